package com.lingxi.instance.kubernetes;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

/**
 * What a set of NetworkPolicies lets into and out of a pod, worked out as the API defines
 * it: a pod is isolated for a direction once any policy selecting it has that policy
 * type, and then exactly the union of those policies' rules is allowed. Each allowance
 * reads {@code <peer> <protocol>/<port>}, e.g.
 * {@code ns kube-system pods[k8s-app=kube-dns] UDP/53}; a rule without peers is
 * {@code anywhere}, one without ports {@code any port}, a pod that no policy isolates
 * {@code anywhere any port}.
 */
final class NetworkReach {

	/** What an unisolated pod, or a rule without peers, reaches: everything. */
	static final String ANYWHERE = "anywhere";

	/**
	 * Addresses no rule may admit: the link-local range with the cloud's metadata
	 * services (169.254.169.254, ECS's 169.254.170.2, node-local DNS caches), loopback,
	 * the private and carrier-grade NAT ranges where nodes, databases and the platform
	 * live, and their IPv6 counterparts (AWS's metadata service is fd00:ec2::254 in the
	 * unique-local range).
	 */
	static final List<Cidr> FORBIDDEN = List.of(Cidr.of("169.254.0.0/16"), Cidr.of("127.0.0.0/8"),
			Cidr.of("10.0.0.0/8"), Cidr.of("172.16.0.0/12"), Cidr.of("192.168.0.0/16"), Cidr.of("100.64.0.0/10"),
			Cidr.of("0.0.0.0/8"), Cidr.of("fe80::/10"), Cidr.of("fc00::/7"), Cidr.of("::1/128"));

	private NetworkReach() {
	}

	/** Whether a label selector selects an object with these labels. */
	static boolean selects(LabelSelector selector, Map<String, String> labels) {
		if (selector == null) {
			return false;
		}
		if (selector.getMatchLabels() != null) {
			for (Map.Entry<String, String> label : selector.getMatchLabels().entrySet()) {
				if (!label.getValue().equals(labels.get(label.getKey()))) {
					return false;
				}
			}
		}
		if (selector.getMatchExpressions() != null) {
			for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
				String value = labels.get(requirement.getKey());
				boolean matches = switch (requirement.getOperator()) {
					case "In" -> value != null && requirement.getValues().contains(value);
					case "NotIn" -> value == null || !requirement.getValues().contains(value);
					case "Exists" -> value != null;
					case "DoesNotExist" -> value == null;
					default -> throw new IllegalArgumentException("Unknown operator " + requirement.getOperator());
				};
				if (!matches) {
					return false;
				}
			}
		}
		return true;
	}

	/** The policies that select pods with these labels in this namespace. */
	static List<NetworkPolicy> selecting(List<NetworkPolicy> policies, String namespace, Map<String, String> labels) {
		return policies.stream()
			.filter((policy) -> namespace.equals(policy.getMetadata().getNamespace()))
			.filter((policy) -> selects(policy.getSpec().getPodSelector(), labels))
			.toList();
	}

	/** Everything that may connect to pods with these labels. */
	static Set<String> ingress(List<NetworkPolicy> policies, String namespace, Map<String, String> labels) {
		List<NetworkPolicy> isolating = selecting(policies, namespace, labels).stream()
			.filter((policy) -> types(policy).contains("Ingress"))
			.toList();
		if (isolating.isEmpty()) {
			return Set.of(ANYWHERE + " any port");
		}
		Set<String> allowed = new TreeSet<>();
		for (NetworkPolicy policy : isolating) {
			for (NetworkPolicyIngressRule rule : list(policy.getSpec().getIngress())) {
				allowed.addAll(allowances(list(rule.getFrom()), list(rule.getPorts()), namespace));
			}
		}
		return allowed;
	}

	/** Everything pods with these labels may connect to. */
	static Set<String> egress(List<NetworkPolicy> policies, String namespace, Map<String, String> labels) {
		List<NetworkPolicy> isolating = selecting(policies, namespace, labels).stream()
			.filter((policy) -> types(policy).contains("Egress"))
			.toList();
		if (isolating.isEmpty()) {
			return Set.of(ANYWHERE + " any port");
		}
		Set<String> allowed = new TreeSet<>();
		for (NetworkPolicy policy : isolating) {
			for (NetworkPolicyEgressRule rule : list(policy.getSpec().getEgress())) {
				allowed.addAll(allowances(list(rule.getTo()), list(rule.getPorts()), namespace));
			}
		}
		return allowed;
	}

	/**
	 * The policy types in force: as written, or (when omitted) Ingress always and Egress
	 * when there are egress rules.
	 */
	static List<String> types(NetworkPolicy policy) {
		if (policy.getSpec().getPolicyTypes() != null && !policy.getSpec().getPolicyTypes().isEmpty()) {
			return policy.getSpec().getPolicyTypes();
		}
		return list(policy.getSpec().getEgress()).isEmpty() ? List.of("Ingress") : List.of("Ingress", "Egress");
	}

	/**
	 * Every way a policy could let traffic reach or come from an address in
	 * {@link #FORBIDDEN}: an ipBlock whose range, less its exceptions, still holds one of
	 * them, or an egress rule without peers (every address). Empty when there is none.
	 */
	static List<String> forbiddenAddresses(NetworkPolicy policy) {
		List<String> problems = new ArrayList<>();
		String name = policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
		for (NetworkPolicyEgressRule rule : list(policy.getSpec().getEgress())) {
			if (list(rule.getTo()).isEmpty()) {
				problems.add(name + ": an egress rule without peers reaches every address");
			}
			for (NetworkPolicyPeer peer : list(rule.getTo())) {
				problems.addAll(forbidden(name, peer.getIpBlock()));
			}
		}
		for (NetworkPolicyIngressRule rule : list(policy.getSpec().getIngress())) {
			for (NetworkPolicyPeer peer : list(rule.getFrom())) {
				problems.addAll(forbidden(name, peer.getIpBlock()));
			}
		}
		return problems;
	}

	/**
	 * For each forbidden range an ipBlock overlaps, the part of it inside the block must
	 * lie in one of its exceptions (ranges are either nested or apart, so the overlap is
	 * the smaller of the two). A range excepted only in pieces counts as admitted: the
	 * check errs on the safe side.
	 */
	private static List<String> forbidden(String policy, IPBlock block) {
		if (block == null) {
			return List.of();
		}
		Cidr range = Cidr.of(block.getCidr());
		List<Cidr> except = list(block.getExcept()).stream().map(Cidr::of).toList();
		List<String> problems = new ArrayList<>();
		for (Cidr forbidden : FORBIDDEN) {
			Cidr overlap = range.contains(forbidden) ? forbidden : forbidden.contains(range) ? range : null;
			if (overlap != null && except.stream().noneMatch((excepted) -> excepted.contains(overlap))) {
				problems.add(policy + ": ipBlock " + block.getCidr() + " except " + list(block.getExcept()) + " admits "
						+ overlap);
			}
		}
		return problems;
	}

	private static List<String> allowances(List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports,
			String namespace) {
		List<String> who = peers.isEmpty() ? List.of(ANYWHERE)
				: peers.stream().map((peer) -> peer(peer, namespace)).toList();
		List<String> where = ports.isEmpty() ? List.of("any port") : ports.stream().map(NetworkReach::port).toList();
		List<String> allowances = new ArrayList<>();
		for (String peer : who) {
			for (String port : where) {
				allowances.add(peer + " " + port);
			}
		}
		return allowances;
	}

	private static String peer(NetworkPolicyPeer peer, String namespace) {
		if (peer.getIpBlock() != null) {
			return "ip " + peer.getIpBlock().getCidr()
					+ (list(peer.getIpBlock().getExcept()).isEmpty() ? "" : " except " + peer.getIpBlock().getExcept());
		}
		String namespaces = (peer.getNamespaceSelector() == null) ? "ns " + namespace
				: namespaces(peer.getNamespaceSelector());
		String pods = (peer.getPodSelector() == null) ? "pods[*]" : "pods[" + selector(peer.getPodSelector()) + "]";
		return namespaces + " " + pods;
	}

	private static String namespaces(LabelSelector selector) {
		Map<String, String> labels = selector.getMatchLabels();
		if (list(selector.getMatchExpressions()).isEmpty() && labels != null && labels.size() == 1
				&& labels.containsKey("kubernetes.io/metadata.name")) {
			return "ns " + labels.get("kubernetes.io/metadata.name");
		}
		return "ns[" + selector(selector) + "]";
	}

	private static String selector(LabelSelector selector) {
		List<String> terms = new ArrayList<>();
		if (selector.getMatchLabels() != null) {
			new TreeMap<>(selector.getMatchLabels()).forEach((key, value) -> terms.add(key + "=" + value));
		}
		for (LabelSelectorRequirement requirement : list(selector.getMatchExpressions())) {
			terms.add(requirement.getKey() + " " + requirement.getOperator() + " " + list(requirement.getValues()));
		}
		return terms.isEmpty() ? "*" : String.join(",", terms);
	}

	private static String port(NetworkPolicyPort port) {
		String protocol = (port.getProtocol() != null) ? port.getProtocol() : "TCP";
		if (port.getPort() == null) {
			return protocol + "/any";
		}
		String number = (port.getPort().getStrVal() != null) ? port.getPort().getStrVal()
				: Integer.toString(port.getPort().getIntVal());
		return protocol + "/" + number + ((port.getEndPort() != null) ? "-" + port.getEndPort() : "");
	}

	private static <T> List<T> list(List<T> list) {
		return (list != null) ? list : List.of();
	}

	/**
	 * An IPv4 or IPv6 range. (An IPv4-mapped IPv6 range such as {@code ::ffff:0:0/96}
	 * reads as IPv4 and is refused for its prefix, which is the safe outcome.)
	 */
	record Cidr(BigInteger first, BigInteger last, int bits, String text) {

		private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+/[0-9]{1,3}");

		static Cidr of(String cidr) {
			int slash = cidr.indexOf('/');
			if (slash < 0 || !LITERAL.matcher(cidr).matches()) {
				throw new IllegalArgumentException("Not a CIDR: " + cidr);
			}
			try {
				byte[] address = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
				int bits = address.length * 8;
				int prefix = Integer.parseInt(cidr.substring(slash + 1));
				if (prefix < 0 || prefix > bits) {
					throw new IllegalArgumentException("Not a CIDR: " + cidr);
				}
				BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
				BigInteger first = new BigInteger(1, address).andNot(hostMask);
				return new Cidr(first, first.or(hostMask), bits, cidr);
			}
			catch (UnknownHostException ex) {
				throw new IllegalArgumentException("Not a CIDR: " + cidr, ex);
			}
		}

		boolean contains(Cidr other) {
			return this.bits == other.bits && this.first.compareTo(other.first) <= 0
					&& this.last.compareTo(other.last) >= 0;
		}

		@Override
		public String toString() {
			return this.text;
		}

	}

}
