package com.lingxi.instance.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Assumptions;

/**
 * The cluster's own objects from {@code k8s/} (namespaces, identities, rights, network
 * policies), as {@code kubectl kustomize} renders them for {@code kubectl apply -k},
 * parsed into fabric8's typed models. Each directory is rendered once per test run.
 *
 * <p>
 * kubectl is looked for in {@code $KUBECTL}, {@code /usr/bin}, {@code /usr/local/bin} and
 * the {@code PATH}; without it the tests that need the manifests are skipped, saying so.
 */
final class ClusterManifests {

	/** The top-level kustomization: everything, as applied to a fresh cluster. */
	static final String ALL = "";

	/** The platform's namespace, identities and ingress rules. */
	static final String PLATFORM = "platform";

	/** The gateways' namespace, instance-service's rights there, the gateways' rules. */
	static final String INSTANCE_RUNTIME = "instance-runtime";

	static final List<String> DIRECTORIES = List.of(ALL, PLATFORM, INSTANCE_RUNTIME);

	private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

	private static final Map<String, List<HasMetadata>> RENDERED = new ConcurrentHashMap<>();

	private ClusterManifests() {
	}

	/** The objects of one kustomize directory under {@code k8s/}, in kubectl's order. */
	static List<HasMetadata> render(String directory) {
		return RENDERED.computeIfAbsent(directory, ClusterManifests::kustomize);
	}

	/** The objects of one kind. */
	static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> objects, Class<T> kind) {
		return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
	}

	/** The repository's {@code k8s/} directory. */
	static Path root() {
		Path dir = Path.of("").toAbsolutePath();
		while (dir != null) {
			Path k8s = dir.resolve("k8s");
			if (Files.isRegularFile(k8s.resolve("kustomization.yaml"))) {
				return k8s;
			}
			dir = dir.getParent();
		}
		throw new IllegalStateException("No k8s/kustomization.yaml above " + Path.of("").toAbsolutePath());
	}

	private static List<HasMetadata> kustomize(String directory) {
		Path dir = root().resolve(directory);
		ProcessBuilder command = new ProcessBuilder(kubectl(), "kustomize", dir.toString());
		try {
			Process process = command.start();
			CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
			String yaml = read(process.getInputStream());
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("kubectl kustomize " + dir + " did not finish within 60 s");
			}
			if (process.exitValue() != 0) {
				throw new IllegalStateException(
						"kubectl kustomize " + dir + " failed (" + process.exitValue() + "): " + errors.join());
			}
			return parse(yaml);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run kubectl kustomize " + dir, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Each YAML document as its typed model (NetworkPolicy, Role, Namespace, …). */
	static List<HasMetadata> parse(String yaml) {
		List<HasMetadata> objects = new ArrayList<>();
		for (String document : yaml.split("(?m)^---\\s*$")) {
			if (document.isBlank()) {
				continue;
			}
			Object object = SERIALIZATION.unmarshal(document);
			if (!(object instanceof HasMetadata typed)) {
				throw new IllegalStateException("Not a Kubernetes object: " + document);
			}
			objects.add(typed);
		}
		return List.copyOf(objects);
	}

	private static String kubectl() {
		String configured = System.getenv("KUBECTL");
		Stream<Path> candidates = Stream.concat(
				Stream.of(configured, "/usr/bin/kubectl", "/usr/local/bin/kubectl")
					.filter((path) -> path != null && !path.isBlank())
					.map(Path::of),
				Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
					.filter((path) -> !path.isBlank())
					.map((path) -> Path.of(path, "kubectl")));
		return candidates.filter(Files::isExecutable).findFirst().map(Path::toString).orElseGet(() -> {
			Assumptions.abort("kubectl is not installed (looked in $KUBECTL, /usr/bin, /usr/local/bin and the PATH):"
					+ " the cluster manifests under k8s/ are not checked");
			return null;
		});
	}

	private static String read(InputStream stream) {
		try (stream) {
			return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
