package com.lingxi.instance.platform;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.common.remote.RemoteCalls;
import com.lingxi.instance.runtime.GatewayFile;

/** What instance-service asks of the rest of the platform. */
public final class Platform {

	private final RemoteCalls remote;

	private final PlatformClients.Billing billing;

	private final PlatformClients.Configs configs;

	private final JsonMapper json;

	public Platform(RemoteCalls remote, PlatformClients.Billing billing, PlatformClients.Configs configs,
			JsonMapper json) {
		this.remote = remote;
		this.billing = billing;
		this.configs = configs;
		this.json = json;
	}

	public Mono<PlatformClients.ModelKey> issueKey(UUID instanceId) {
		return this.remote.call("billing-service", () -> this.billing.issueKey(Map.of("instanceId", instanceId)));
	}

	public Mono<Void> bindKey(UUID keyId, UUID userId) {
		return this.remote.call("billing-service", () -> this.billing.bindKey(keyId, Map.of("userId", userId))).then();
	}

	public Mono<Void> revokeKey(UUID keyId) {
		return this.remote.call("billing-service", () -> {
			this.billing.revokeKey(keyId);
			return true;
		}).then();
	}

	/** The user's plan name ({@code free} when billing-service does not know them). */
	public Mono<String> plan(UUID userId) {
		return this.remote.call("billing-service", () -> this.billing.plan(userId))
			.map((plan) -> plan.path("plan").asString("free"))
			.onErrorReturn("free");
	}

	public Mono<Config> userConfig(UUID userId) {
		return this.remote.call("config-service", () -> this.configs.current(userId)).map(this::config);
	}

	public Mono<Config> warmConfig() {
		return this.remote.call("config-service", this.configs::warm).map(this::config);
	}

	private Config config(PlatformClients.ConfigDocument document) {
		JsonNode bundle = document.bundle();
		List<GatewayFile> files = new ArrayList<>();
		for (JsonNode file : bundle.path("files")) {
			files.add(new GatewayFile(file.path("path").asString(), file.path("content").asString(),
					file.path("encoding").asString("utf-8")));
		}
		JsonNode openclaw = bundle.path("openclaw");
		Set<String> agents = new LinkedHashSet<>(openclaw.path("agents").path("entries").propertyNames());
		String raw = this.json.writerWithDefaultPrettyPrinter().writeValueAsString(openclaw);
		return new Config(document.version(), document.sha256(), raw, files, agents);
	}

	/**
	 * A configuration ready to apply.
	 *
	 * @param version version number (0: the warm configuration)
	 * @param sha256 content hash
	 * @param openclawJson the openclaw.json text
	 * @param files workspace files and skill folders
	 * @param agents the agent ids it defines
	 */
	public record Config(long version, String sha256, String openclawJson, List<GatewayFile> files,
			Set<String> agents) {

		/**
		 * Files plus openclaw.json: everything a gateway needs before its first start.
		 */
		public List<GatewayFile> allFiles() {
			List<GatewayFile> all = new ArrayList<>(this.files);
			all.add(GatewayFile.text("openclaw.json", this.openclawJson));
			return all;
		}

	}

}
