package com.lingxi.config.sources;

import java.util.List;
import java.util.UUID;

import org.springframework.cloud.openfeign.FeignClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The internal APIs rendering reads from (Feign: call them through {@code RemoteCalls}).
 */
public final class PlatformClients {

	private PlatformClients() {
	}

	@FeignClient(name = "agent-service", contextId = "agentService")
	public interface AgentService {

		@GetMapping("/internal/users/{userId}/team")
		TeamView team(@PathVariable("userId") UUID userId);

		@GetMapping("/internal/skills/{skillId}")
		SkillBundle skill(@PathVariable("skillId") String skillId);

		@GetMapping("/internal/users/{userId}/memories/important")
		List<MemoryView> importantMemories(@PathVariable("userId") UUID userId, @RequestParam("limit") int limit);

	}

	@FeignClient(name = "billing-service", contextId = "billingService")
	public interface BillingService {

		@GetMapping("/internal/users/{userId}/plan")
		PlanView plan(@PathVariable("userId") UUID userId);

	}

	@FeignClient(name = "user-service", contextId = "userService")
	public interface UserService {

		@GetMapping("/internal/users/{userId}")
		ProfileView user(@PathVariable("userId") UUID userId);

	}

}
