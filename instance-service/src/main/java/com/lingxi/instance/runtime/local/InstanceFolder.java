package com.lingxi.instance.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;

import com.lingxi.instance.runtime.GatewayFile;

/**
 * One instance's folder: {@code home/} (HOME, with the state directory
 * {@code home/.openclaw}), {@code tmp/} (TMPDIR), {@code logs/gateway.out}, and the
 * {@code pid} and {@code port} files. Mode 700; owned by the gateway's own user when each
 * gateway has one.
 *
 * <p>
 * The gateway can write to its folder, instance-service writes into it too, and when
 * instance-service runs as root those writes are root's. So the runtime never follows a
 * symbolic link inside the folder: directories are created one at a time and a link where
 * a directory should be is refused, each file is written as a temporary file that must
 * really be inside the state directory before it is renamed into place (a rename replaces
 * a link instead of following it), and the small control files are replaced the same way.
 */
final class InstanceFolder {

	private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

	private final Path dir;

	InstanceFolder(Path dir) {
		this.dir = dir;
	}

	Path path() {
		return this.dir;
	}

	/** The state directory, {@code home/.openclaw}. */
	Path state() {
		return this.dir.resolve("home").resolve(".openclaw");
	}

	Path home() {
		return this.dir.resolve("home");
	}

	Path tmp() {
		return this.dir.resolve("tmp");
	}

	/** The gateway's stdout and stderr. */
	Path log() {
		return this.dir.resolve("logs").resolve("gateway.out");
	}

	boolean exists() {
		return Files.isDirectory(this.dir, NOFOLLOW);
	}

	/** Creates the folder itself (mode 700) if it does not exist. */
	void create() throws IOException {
		if (Files.isSymbolicLink(this.dir)) {
			throw new IOException("Instance folder is a symbolic link: " + this.dir);
		}
		Files.createDirectories(this.dir);
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwx------"));
	}

	/**
	 * Creates the folder's directories, new ones owned by {@code owner} when not null;
	 * with {@code handOver}, gives everything in the folder to that owner (a folder that
	 * just got its user). Called only while no gateway of the instance runs.
	 */
	void prepare(Integer owner, boolean handOver) throws IOException {
		create();
		directories(this.state(), owner);
		directories(this.tmp(), owner);
		directories(this.log().getParent(), owner);
		// instance-service opens the log and hands it to the gateway: never through a
		// link the gateway left behind.
		if (Files.isSymbolicLink(log())) {
			Files.delete(log());
		}
		if (owner != null && handOver) {
			try (Stream<Path> all = Files.walk(this.dir)) {
				for (Path path : all.toList()) {
					chown(path, owner);
				}
			}
		}
	}

	/** The folder's owner (a user id). */
	int owner() throws IOException {
		return (Integer) Files.getAttribute(this.dir, "unix:uid", NOFOLLOW);
	}

	/**
	 * Writes files into the state directory, each atomically (temporary file, then
	 * rename), owned by {@code owner} when not null.
	 */
	void write(List<GatewayFile> files, Integer owner) {
		Path state = state();
		try {
			for (GatewayFile file : files) {
				Path target = state.resolve(file.path()).normalize();
				if (!target.startsWith(state) || target.equals(state)) {
					throw new IllegalArgumentException("File outside the state directory: " + file.path());
				}
				Path parent = directories(target.getParent(), owner);
				Path temp = Files.createTempFile(parent, ".lingxi-", ".tmp");
				try {
					Files.write(temp, file.bytes());
					if (file.path().startsWith("skills/") && file.path().contains("/scripts/")) {
						Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-x---"));
					}
					if (owner != null) {
						chown(temp, owner);
					}
					if (!temp.toRealPath().startsWith(state.toRealPath())) {
						throw new IOException("Refusing to write " + file.path() + ": the gateway moved its folder");
					}
					move(temp, target);
				}
				finally {
					Files.deleteIfExists(temp);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Replaces a small file directly in the folder ({@code pid}, {@code port}). */
	void writeControl(String name, String value) throws IOException {
		Path temp = Files.createTempFile(this.dir, ".lingxi-", ".tmp");
		try {
			Files.writeString(temp, value);
			Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
			move(temp, this.dir.resolve(name));
		}
		finally {
			Files.deleteIfExists(temp);
		}
	}

	/** The port recorded in the folder, if it holds one. */
	OptionalInt port() {
		Path file = this.dir.resolve("port");
		try {
			if (Files.isRegularFile(file, NOFOLLOW)) {
				return OptionalInt.of(Integer.parseInt(Files.readString(file).strip()));
			}
		}
		catch (IOException | NumberFormatException ex) {
			// unreadable or not a number: none
		}
		return OptionalInt.empty();
	}

	/** Removes the folder (links inside are removed, never followed). */
	void delete() {
		if (!Files.exists(this.dir, NOFOLLOW)) {
			return;
		}
		try (Stream<Path> walk = Files.walk(this.dir)) {
			walk.sorted(Comparator.reverseOrder()).forEach((path) -> {
				try {
					Files.deleteIfExists(path);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Creates {@code target} and the directories above it inside the folder, one at a
	 * time, refusing a symbolic link on the way; new ones get {@code owner}.
	 */
	private Path directories(Path target, Integer owner) throws IOException {
		Path current = this.dir;
		for (Path name : this.dir.relativize(target)) {
			current = current.resolve(name);
			if (Files.isSymbolicLink(current)) {
				throw new IOException(
						"Refusing to follow a symbolic link in the instance folder: " + this.dir.relativize(current));
			}
			if (!Files.exists(current, NOFOLLOW)) {
				Files.createDirectory(current);
				if (owner != null) {
					chown(current, owner);
				}
			}
			else if (!Files.isDirectory(current, NOFOLLOW)) {
				throw new IOException("Not a directory: " + this.dir.relativize(current));
			}
		}
		return current;
	}

	private static void chown(Path path, int owner) throws IOException {
		Files.setAttribute(path, "unix:uid", owner, NOFOLLOW);
		Files.setAttribute(path, "unix:gid", owner, NOFOLLOW);
	}

	private static void move(Path from, Path to) throws IOException {
		try {
			Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException ex) {
			Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
		}
	}

}
