package com.lingxi.instance.runtime.container;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes the small POSIX (ustar) archives the engine's archive endpoint unpacks: folders
 * and regular files with their owner and mode. Names are at most 100 bytes, which the
 * runtime's own names always are.
 */
final class Tar {

	private static final int BLOCK = 512;

	private final ByteArrayOutputStream out = new ByteArrayOutputStream();

	private final long mtime;

	Tar(long mtimeSeconds) {
		this.mtime = mtimeSeconds;
	}

	Tar folder(String name, int mode, int uid, int gid) {
		header(name.endsWith("/") ? name : name + "/", mode, uid, gid, 0, '5');
		return this;
	}

	Tar file(String name, int mode, int uid, int gid, byte[] content) {
		header(name, mode, uid, gid, content.length, '0');
		this.out.writeBytes(content);
		pad(content.length);
		return this;
	}

	byte[] toByteArray() {
		this.out.writeBytes(new byte[BLOCK * 2]);
		return this.out.toByteArray();
	}

	private void header(String name, int mode, int uid, int gid, long size, char type) {
		byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
		if (nameBytes.length > 100) {
			throw new IllegalArgumentException("Name longer than 100 bytes: " + name);
		}
		byte[] header = new byte[BLOCK];
		System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
		octal(header, 100, 8, mode);
		octal(header, 108, 8, uid);
		octal(header, 116, 8, gid);
		octal(header, 124, 12, size);
		octal(header, 136, 12, this.mtime);
		for (int i = 148; i < 156; i++) {
			header[i] = ' ';
		}
		header[156] = (byte) type;
		ascii(header, 257, "ustar\0");
		ascii(header, 263, "00");
		long sum = 0;
		for (byte b : header) {
			sum += b & 0xff;
		}
		String checksum = String.format("%06o", sum);
		ascii(header, 148, checksum);
		header[154] = 0;
		header[155] = ' ';
		this.out.writeBytes(header);
	}

	private void pad(long size) {
		int rest = (int) (size % BLOCK);
		if (rest != 0) {
			this.out.writeBytes(new byte[BLOCK - rest]);
		}
	}

	private static void octal(byte[] header, int offset, int length, long value) {
		String digits = Long.toOctalString(value);
		String padded = "0".repeat(Math.max(0, length - 1 - digits.length())) + digits;
		ascii(header, offset, padded);
		header[offset + length - 1] = 0;
	}

	private static void ascii(byte[] header, int offset, String text) {
		byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
		System.arraycopy(bytes, 0, header, offset, bytes.length);
	}

}
