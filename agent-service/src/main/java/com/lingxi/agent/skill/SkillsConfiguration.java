package com.lingxi.agent.skill;

import org.flywaydb.core.Flyway;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.agent.skill.bundle.BundleValidator;
import com.lingxi.agent.skill.catalog.BundledSkills;
import com.lingxi.agent.skill.catalog.BundledSkillsImport;
import com.lingxi.agent.skill.catalog.SkillSync;
import com.lingxi.agent.skill.registry.ClawHubClient;
import com.lingxi.agent.skill.registry.RegistrySkills;
import com.lingxi.agent.skill.registry.RegistrySync;
import com.lingxi.agent.skill.store.SkillStore;
import com.lingxi.agent.wizard.Recommender;
import com.lingxi.common.redis.LingxiRedis;

@Configuration(proxyBeanMethods = false)
class SkillsConfiguration {

	@Bean
	BundleValidator bundleValidator(SkillsProperties properties) {
		return new BundleValidator(properties.bundle());
	}

	@Bean
	BundledSkills bundledSkills(SkillsProperties properties, BundleValidator validator) {
		return BundledSkills.load(properties.bundledLocation(), validator);
	}

	@Bean
	SkillStore skillStore(DatabaseClient db, TransactionalOperator tx) {
		return new SkillStore(db, tx);
	}

	@Bean
	SkillSync skillSync(SkillStore store) {
		return new SkillSync(store);
	}

	@Bean
	BundledSkillsImport bundledSkillsImport(Flyway flyway, ObjectProvider<FlywayMigrationInitializer> migrations,
			BundledSkills bundled) {
		// Resolving the initializer makes the schema migrations run first.
		migrations.ifAvailable((initializer) -> {
		});
		return new BundledSkillsImport(flyway, bundled);
	}

	@Bean
	SkillCatalog skillCatalog(SkillStore store, Recommender wizard, SkillsProperties properties,
			BundledSkillsImport bundledImport) {
		return new SkillCatalog(store, wizard, properties);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(prefix = "lingxi.skills.registry", name = "enabled", havingValue = "true")
	static class RegistryConfiguration {

		@Bean
		ClawHubClient clawHubClient(WebClient.Builder http, SkillsProperties properties) {
			return new ClawHubClient(http, properties.registry(), properties.bundle().maxArchiveBytes());
		}

		@Bean
		RegistrySkills registrySkills(ClawHubClient client, SkillsProperties properties, BundleValidator validator) {
			return new RegistrySkills(client, properties.registry(), validator);
		}

		@Bean
		RegistrySync registrySync(SkillSync sync, RegistrySkills source, LingxiRedis redis,
				SkillsProperties properties) {
			return new RegistrySync(sync, source, redis, properties.registry());
		}

	}

}
