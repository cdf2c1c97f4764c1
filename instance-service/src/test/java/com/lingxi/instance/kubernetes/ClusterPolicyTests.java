package com.lingxi.instance.kubernetes;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

import com.lingxi.common.id.Ids;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.kubernetes.GatewayLabels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The cluster objects under {@code k8s/}, rendered by {@code kubectl kustomize} as
 * {@code kubectl apply -k} would apply them and read as the API server would: users'
 * gateways (where users' agents run code) reach the cluster DNS and the model proxy
 * listener and nothing else — no platform API, no database, no metadata service, no node,
 * no other gateway; the platform's services admit exactly their callers; every namespace
 * denies by default; instance-service can neither loosen nor remove these rules, and its
 * Role covers every request the runtime makes; every kustomization applies to a fresh
 * cluster.
 *
 * <p>
 * Nothing here connects anywhere: the policies are judged by what they say.
 */
class ClusterPolicyTests {

	static final String PLATFORM = "lingxi-system";

	static final String INSTANCES = "lingxi-instances";

	static final Map<String, String> GATEWAY_POD = GatewayLabels.podLabels(UUID.randomUUID());

	static final String GATEWAY_PODS = "ns lingxi-instances "
			+ "pods[app.kubernetes.io/managed-by=lingxi-instance-service,app.kubernetes.io/name=openclaw-gateway]";

	static final String DNS = "ns kube-system pods[k8s-app=kube-dns]";

	static final String MONITORING = "ns monitoring pods[*]";

	static List<HasMetadata> everything() {
		return ClusterManifests.render(ClusterManifests.ALL);
	}

	static List<NetworkPolicy> policies() {
		return ClusterManifests.ofKind(everything(), NetworkPolicy.class);
	}

	static String service(String name) {
		return "ns " + PLATFORM + " pods[app.kubernetes.io/name=" + name + "]";
	}

	static Map<String, String> servicePod(String name) {
		return Map.of("app.kubernetes.io/name", name, "app.kubernetes.io/part-of", "lingxi-cloud");
	}

	// --- users' gateways ---

	@Test
	void gatewaysReachOnlyTheClusterDnsAndTheModelProxyListener() {
		assertThat(NetworkReach.egress(policies(), INSTANCES, GATEWAY_POD)).containsExactlyInAnyOrder(DNS + " UDP/53",
				DNS + " TCP/53", service("billing-service") + " TCP/8086");
	}

	@Test
	void gatewaysAdmitOnlyInstanceServiceOnTheGatewayAndFileSyncPorts() {
		assertThat(NetworkReach.ingress(policies(), INSTANCES, GATEWAY_POD)).containsExactlyInAnyOrder(
				service("instance-service") + " TCP/18789", service("instance-service") + " TCP/18950");
	}

	@Test
	void anyOtherPodInTheGatewaysNamespaceHasNoNetworkAtAll() {
		Map<String, String> stranger = Map.of("app.kubernetes.io/name", "debug", "lingxi.cloud/instance-id",
				GATEWAY_POD.get("lingxi.cloud/instance-id"));
		assertThat(NetworkReach.egress(policies(), INSTANCES, stranger)).isEmpty();
		assertThat(NetworkReach.ingress(policies(), INSTANCES, stranger)).isEmpty();
		Map<String, String> gatewayNotMadeByInstanceService = Map.of("app.kubernetes.io/name", "openclaw-gateway");
		assertThat(NetworkReach.egress(policies(), INSTANCES, gatewayNotMadeByInstanceService)).isEmpty();
	}

	/**
	 * The kubernetes profile sends the gateways' model traffic to the address their
	 * egress admits: a mismatch would fail every chat with a timeout.
	 */
	@Test
	void theKubernetesProfilesModelProxyUrlIsWhereGatewaysMayGo() {
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new ClassPathResource("application-kubernetes.yml"));
		Properties profile = yaml.getObject();
		String setting = profile.getProperty("lingxi.instances.model-base-url");
		Matcher placeholder = Pattern.compile("\\$\\{[A-Z_]+:(.+)}").matcher(setting);
		assertThat(placeholder.matches()).as(setting).isTrue();
		URI url = URI.create(placeholder.group(1));
		String[] host = url.getHost().split("\\.");
		assertThat(host).as("<service>.<namespace>.svc…").hasSizeGreaterThanOrEqualTo(3);
		assertThat(host[2]).isEqualTo("svc");
		assertThat(url.getPath()).isEqualTo("/v1");
		assertThat(NetworkReach.egress(policies(), INSTANCES, GATEWAY_POD))
			.contains("ns " + host[1] + " pods[app.kubernetes.io/name=" + host[0] + "] TCP/" + url.getPort());
		assertThat(url.getPort()).as("the model proxy listener, not billing-service's main port").isEqualTo(8086);
	}

	// --- the platform ---

	@Test
	void eachPlatformServiceAdmitsOnlyItsCallersAndMonitoring() {
		Map<String, Set<String>> expected = new LinkedHashMap<>();
		expected.put("gateway-service", Set.of("anywhere TCP/8080", MONITORING + " TCP/8090"));
		expected.put("user-service", Set.of(service("gateway-service") + " TCP/8081",
				service("config-service") + " TCP/8081", MONITORING + " TCP/8091"));
		expected.put("instance-service", Set.of(service("gateway-service") + " TCP/8082", MONITORING + " TCP/8092"));
		expected.put("agent-service", Set.of(service("gateway-service") + " TCP/8083",
				service("config-service") + " TCP/8083", MONITORING + " TCP/8093"));
		expected.put("billing-service",
				Set.of(service("gateway-service") + " TCP/8084", service("config-service") + " TCP/8084",
						service("instance-service") + " TCP/8084", GATEWAY_PODS + " TCP/8086",
						MONITORING + " TCP/8094"));
		expected.put("config-service", Set.of(service("gateway-service") + " TCP/8085",
				service("instance-service") + " TCP/8085", MONITORING + " TCP/8095"));
		Map<String, Set<String>> actual = new LinkedHashMap<>();
		for (String name : expected.keySet()) {
			actual.put(name, NetworkReach.ingress(policies(), PLATFORM, servicePod(name)));
		}
		assertThat(actual).isEqualTo(expected);
		assertThat(NetworkReach.ingress(policies(), PLATFORM, servicePod("something-else")))
			.as("a pod of the platform namespace that no policy names is closed")
			.isEmpty();
	}

	@Test
	void onlyUsersGatewaysReachTheModelProxyListenerAndNothingElseOfTheirs() {
		for (String name : List.of("gateway-service", "user-service", "instance-service", "agent-service",
				"billing-service", "config-service")) {
			Set<String> admitted = NetworkReach.ingress(policies(), PLATFORM, servicePod(name));
			assertThat(admitted.stream().filter((allowance) -> allowance.startsWith(GATEWAY_PODS))).as(name)
				.containsExactlyElementsOf(
						name.equals("billing-service") ? List.of(GATEWAY_PODS + " TCP/8086") : List.of());
			assertThat(admitted).as(name + ": from everywhere only the public edge's API port")
				.allSatisfy((allowance) -> assertThat(allowance.startsWith(NetworkReach.ANYWHERE))
					.isEqualTo(allowance.equals("anywhere TCP/8080")));
		}
	}

	// --- every namespace ---

	@Test
	void everyNamespaceDeniesByDefault() {
		List<Namespace> namespaces = ClusterManifests.ofKind(everything(), Namespace.class);
		assertThat(namespaces).extracting((namespace) -> namespace.getMetadata().getName())
			.containsExactlyInAnyOrder(PLATFORM, INSTANCES);
		for (Namespace namespace : namespaces) {
			String name = namespace.getMetadata().getName();
			List<String> denied = new ArrayList<>();
			for (NetworkPolicy policy : policies()) {
				boolean everyPod = policy.getSpec().getPodSelector() != null
						&& (policy.getSpec().getPodSelector().getMatchLabels() == null
								|| policy.getSpec().getPodSelector().getMatchLabels().isEmpty())
						&& (policy.getSpec().getPodSelector().getMatchExpressions() == null
								|| policy.getSpec().getPodSelector().getMatchExpressions().isEmpty());
				if (name.equals(policy.getMetadata().getNamespace()) && everyPod) {
					List<String> types = NetworkReach.types(policy);
					if (types.contains("Ingress") && isEmpty(policy.getSpec().getIngress())) {
						denied.add("Ingress");
					}
					if (types.contains("Egress") && isEmpty(policy.getSpec().getEgress())) {
						denied.add("Egress");
					}
				}
			}
			assertThat(denied).as(name).contains("Ingress");
			if (name.equals(INSTANCES)) {
				assertThat(denied).as(name + ": where users' code runs, nothing goes out either").contains("Egress");
			}
		}
	}

	@Test
	void noRuleAdmitsTheMetadataServiceNodesOrPrivateRanges() {
		assertThat(policies()).isNotEmpty();
		List<String> problems = new ArrayList<>();
		for (NetworkPolicy policy : policies()) {
			problems.addAll(NetworkReach.forbiddenAddresses(policy));
		}
		assertThat(problems).isEmpty();
	}

	/** The check above, on policies that must pass it and policies that must not. */
	@Test
	void theAddressCheckCatchesMetadataAndPrivateRanges() {
		List<String> safeExcepts = List.of("169.254.0.0/16", "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12",
				"192.168.0.0/16", "100.64.0.0/10", "0.0.0.0/8");
		assertThat(NetworkReach.forbiddenAddresses(egressTo("0.0.0.0/0", safeExcepts))).isEmpty();
		assertThat(NetworkReach.forbiddenAddresses(egressTo("8.8.8.8/32", List.of()))).isEmpty();
		assertThat(NetworkReach.forbiddenAddresses(egressTo("::/0", List.of("fe80::/10", "fc00::/7", "::1/128"))))
			.isEmpty();

		assertThat(NetworkReach.forbiddenAddresses(egressTo("0.0.0.0/0", List.of()))).isNotEmpty();
		assertThat(NetworkReach.forbiddenAddresses(egressTo("169.254.169.254/32", List.of())))
			.singleElement(InstanceOfAssertFactories.STRING)
			.contains("admits 169.254.169.254/32");
		assertThat(NetworkReach
			.forbiddenAddresses(egressTo("0.0.0.0/0", List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))))
			.anySatisfy((problem) -> assertThat(problem).contains("admits 169.254.0.0/16"));
		assertThat(NetworkReach.forbiddenAddresses(egressTo("169.254.0.0/16", List.of("169.254.169.254/32"))))
			.as("ECS's 169.254.170.2 and the rest of link-local stay reachable")
			.isNotEmpty();
		assertThat(NetworkReach.forbiddenAddresses(egressTo("::/0", List.of("fe80::/10"))))
			.anySatisfy((problem) -> assertThat(problem).contains("admits fc00::/7"));
		assertThat(NetworkReach.forbiddenAddresses(egressTo("10.96.0.0/12", List.of()))).as("node and service ranges")
			.isNotEmpty();
		NetworkPolicy anywhere = new NetworkPolicyBuilder().withNewMetadata()
			.withName("open")
			.withNamespace(INSTANCES)
			.endMetadata()
			.withNewSpec()
			.addNewEgress()
			.addNewPort()
			.withProtocol("TCP")
			.withNewPort(443)
			.endPort()
			.endEgress()
			.endSpec()
			.build();
		assertThat(NetworkReach.forbiddenAddresses(anywhere)).singleElement(InstanceOfAssertFactories.STRING)
			.contains("without peers");
	}

	// --- instance-service's rights ---

	@Test
	void instanceServiceHasNoRightsOnNetworkPoliciesNorOnRights() {
		List<PolicyRule> rules = instanceServiceRules();
		assertThat(rules).isNotEmpty();
		assertThat(rules).allSatisfy((rule) -> {
			assertThat(rule.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
			assertThat(rule.getApiGroups()).doesNotContain("*", "rbac.authorization.k8s.io");
			assertThat(rule.getResources()).doesNotContain("*");
			boolean networkPolicies = rule.getApiGroups().contains("networking.k8s.io")
					&& rule.getResources().stream().anyMatch((resource) -> resource.startsWith("networkpolicies"));
			assertThat(networkPolicies).as("a rule on NetworkPolicies: %s", rule).isFalse();
		});
		assertThat(ClusterManifests.ofKind(everything(), ClusterRoleBinding.class)).as("no cluster-wide rights")
			.isEmpty();
	}

	/**
	 * A whole life of a gateway (pooled, assigned, hibernated, woken, deleted) with the
	 * watches running: every request the runtime sends is one the Role grants, so a real
	 * API server would not answer any of them 403.
	 */
	@Test
	void theRoleGrantsEveryRequestTheRuntimeMakes() {
		List<PolicyRule> rules = instanceServiceRules();
		List<String> requests;
		try (MockCluster cluster = new MockCluster(); RuntimeFixture fixture = new RuntimeFixture(cluster, Map.of())) {
			UUID id = Ids.uuidV7();
			UUID user = Ids.uuidV7();
			Placement placement = fixture.runtime
				.create(fixture.spec(id, null, "gw_rights", RuntimeFixture.FREE, "warm"))
				.block();
			// Not a timing test: a loaded machine may take long to sync the watches.
			await().atMost(Duration.ofSeconds(60))
				.until(() -> fixture.informers.synced() && fixture.informers.deployment(id).isPresent());
			Instance assigned = fixture.instance(id, user, "pro", "gw_rights", placement);
			fixture.runtime.writeFiles(assigned, List.of()).block();
			fixture.runtime.status(assigned).block();
			fixture.runtime.instanceIds().collectList().block();
			fixture.runtime.stop(assigned).block();
			fixture.runtime.start(assigned, fixture.spec(id, user, "gw_rights", RuntimeFixture.PRO, "v2")).block();
			fixture.runtime.delete(assigned).block();
			requests = cluster.requests();
		}
		assertThat(requests).anySatisfy((request) -> assertThat(request).startsWith("PATCH"))
			.anySatisfy((request) -> assertThat(request).startsWith("DELETE"))
			.anySatisfy((request) -> assertThat(request).contains("watch=true"));
		List<String> refused = new ArrayList<>();
		for (String request : requests) {
			ApiRequest api = ApiRequest.parse(request);
			if (api != null && !api.grantedBy(rules, INSTANCES)) {
				refused.add(api + " <- " + request);
			}
		}
		assertThat(refused).as("requests the Role does not grant").isEmpty();
	}

	// --- applying ---

	@Test
	void eachKustomizationCreatesTheNamespacesOfWhatItApplies() {
		for (String directory : ClusterManifests.DIRECTORIES) {
			List<HasMetadata> objects = ClusterManifests.render(directory);
			assertThat(objects).as("k8s/" + directory).isNotEmpty();
			List<String> namespaces = new ArrayList<>();
			boolean namespacedSeen = false;
			for (HasMetadata object : objects) {
				String describe = "k8s/" + directory + ": " + object.getKind() + " " + object.getMetadata().getName();
				if (object instanceof Namespace) {
					assertThat(namespacedSeen).as(describe + " comes before what lives in it").isFalse();
					namespaces.add(object.getMetadata().getName());
				}
				else if (!(object instanceof ClusterRole) && !(object instanceof ClusterRoleBinding)) {
					namespacedSeen = true;
					assertThat(object.getMetadata().getNamespace()).as(describe).isIn(namespaces);
				}
			}
		}
		List<ServiceAccount> accounts = ClusterManifests.ofKind(everything(), ServiceAccount.class);
		List<String> namespaces = ClusterManifests.ofKind(everything(), Namespace.class)
			.stream()
			.map((namespace) -> namespace.getMetadata().getName())
			.toList();
		for (RoleBinding binding : ClusterManifests.ofKind(everything(), RoleBinding.class)) {
			for (Subject subject : binding.getSubjects()) {
				assertThat(accounts).as("the ServiceAccount of " + binding.getMetadata().getName())
					.anySatisfy((account) -> {
						assertThat(account.getMetadata().getName()).isEqualTo(subject.getName());
						assertThat(account.getMetadata().getNamespace()).isEqualTo(subject.getNamespace());
					});
				assertThat(subject.getNamespace()).isIn(namespaces);
			}
		}
	}

	/**
	 * A misspelt field (say {@code namespaceSelecter}) would be dropped by the API server
	 * and silently widen a policy; here it surfaces as a field the typed model does not
	 * know.
	 */
	@Test
	void everyFieldIsOneTheApiKnows() {
		for (String directory : ClusterManifests.DIRECTORIES) {
			for (HasMetadata object : ClusterManifests.render(directory)) {
				List<String> unknown = new ArrayList<>();
				unknownFields(object, object.getKind() + " " + object.getMetadata().getName(), unknown);
				assertThat(unknown).as("k8s/" + directory).isEmpty();
			}
		}
	}

	// --- helpers ---

	/** The rules of every Role bound to instance-service's ServiceAccount. */
	static List<PolicyRule> instanceServiceRules() {
		List<HasMetadata> objects = ClusterManifests.render(ClusterManifests.INSTANCE_RUNTIME);
		List<PolicyRule> rules = new ArrayList<>();
		for (RoleBinding binding : ClusterManifests.ofKind(objects, RoleBinding.class)) {
			boolean ours = binding.getSubjects()
				.stream()
				.anyMatch((subject) -> "ServiceAccount".equals(subject.getKind())
						&& "instance-service".equals(subject.getName()) && PLATFORM.equals(subject.getNamespace()));
			if (!ours) {
				continue;
			}
			assertThat(binding.getMetadata().getNamespace()).isEqualTo(INSTANCES);
			assertThat(binding.getRoleRef().getKind()).as("a Role of the gateways' namespace, not a ClusterRole")
				.isEqualTo("Role");
			Role role = ClusterManifests.ofKind(objects, Role.class)
				.stream()
				.filter((candidate) -> candidate.getMetadata().getName().equals(binding.getRoleRef().getName())
						&& INSTANCES.equals(candidate.getMetadata().getNamespace()))
				.findFirst()
				.orElseThrow();
			rules.addAll(role.getRules());
		}
		return rules;
	}

	private static NetworkPolicy egressTo(String cidr, List<String> except) {
		return new NetworkPolicyBuilder().withNewMetadata()
			.withName("sample")
			.withNamespace(INSTANCES)
			.endMetadata()
			.withNewSpec()
			.withPolicyTypes("Egress")
			.addNewEgress()
			.addNewTo()
			.withNewIpBlock()
			.withCidr(cidr)
			.withExcept(except)
			.endIpBlock()
			.endTo()
			.endEgress()
			.endSpec()
			.build();
	}

	private static boolean isEmpty(List<?> list) {
		return list == null || list.isEmpty();
	}

	/** Fields fabric8 kept as "additional properties": not part of the API. */
	private static void unknownFields(Object model, String path, List<String> unknown) {
		if (model == null) {
			return;
		}
		if (model instanceof Collection<?> items) {
			int index = 0;
			for (Object item : items) {
				unknownFields(item, path + "[" + index++ + "]", unknown);
			}
			return;
		}
		if (model instanceof Map<?, ?> map) {
			map.forEach((key, value) -> unknownFields(value, path + "." + key, unknown));
			return;
		}
		if (!model.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
			return;
		}
		for (Method getter : model.getClass().getMethods()) {
			if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
					|| !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
				continue;
			}
			try {
				Object value = getter.invoke(model);
				if (getter.getName().equals("getAdditionalProperties")) {
					if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
						unknown.add(path + ": " + extra.keySet());
					}
				}
				else if (!(value instanceof String) && !(value instanceof Number) && !(value instanceof Boolean)) {
					unknownFields(value, path + "." + getter.getName().substring(3), unknown);
				}
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException(ex);
			}
		}
	}

	/**
	 * A request to the API server as RBAC sees it: verb, API group, resource (subresource
	 * included), namespace, name.
	 */
	record ApiRequest(String verb, String group, String resource, String namespace, String name) {

		private static final Pattern NAMESPACED = Pattern
			.compile("/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/([^/]+)/([^/]+)(?:/([^/]+)(?:/([^/]+))?)?");

		private static final Set<String> DISCOVERY = Set.of("/api", "/apis", "/version", "/api/v1");

		/** Null for discovery, which every authenticated client may read. */
		static ApiRequest parse(String request) {
			String method = request.substring(0, request.indexOf(' '));
			URI uri = URI.create(request.substring(request.indexOf(' ') + 1));
			String path = uri.getRawPath();
			if (DISCOVERY.contains(path) || path.matches("/apis/[^/]+/[^/]+")) {
				return null;
			}
			Matcher matcher = NAMESPACED.matcher(path);
			if (!matcher.matches()) {
				return new ApiRequest(method, "?", path, null, null);
			}
			String group = (matcher.group(1) != null) ? matcher.group(1) : "";
			String name = matcher.group(4);
			String resource = matcher.group(3) + ((matcher.group(5) != null) ? "/" + matcher.group(5) : "");
			boolean watch = uri.getRawQuery() != null && uri.getRawQuery().matches("(.*&)?watch=(true|1)(&.*)?");
			String verb = switch (method) {
				case "GET" -> watch ? "watch" : (name != null) ? "get" : "list";
				case "POST" -> "create";
				case "PUT" -> "update";
				case "PATCH" -> "patch";
				case "DELETE" -> (name != null) ? "delete" : "deletecollection";
				default -> method;
			};
			return new ApiRequest(verb, group, resource, matcher.group(2), name);
		}

		boolean grantedBy(List<PolicyRule> rules, String namespace) {
			if (!namespace.equals(this.namespace)) {
				return false;
			}
			return rules.stream()
				.anyMatch((rule) -> rule.getVerbs().contains(this.verb) && rule.getApiGroups().contains(this.group)
						&& rule.getResources().contains(this.resource)
						&& (isEmpty(rule.getResourceNames()) || rule.getResourceNames().contains(this.name)));
		}

	}

}
