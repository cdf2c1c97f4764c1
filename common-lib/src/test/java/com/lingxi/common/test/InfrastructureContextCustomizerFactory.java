package com.lingxi.common.test;

import java.util.List;
import java.util.Map;

import org.springframework.boot.webtestclient.autoconfigure.WebTestClientBuilderCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.util.ClassUtils;

/**
 * Wires {@link IntegrationTest} classes to {@link TestInfrastructure}. The customizer is
 * equal only for the same test class, so each class gets its own context and database.
 */
final class InfrastructureContextCustomizerFactory implements ContextCustomizerFactory {

	/** The property source of {@code @TestPropertySource(properties = ...)}. */
	private static final String INLINED = "Inlined Test Properties";

	private static final String WEB_TEST_CLIENT_CUSTOMIZER = "org.springframework.boot.webtestclient.autoconfigure.WebTestClientBuilderCustomizer";

	@Override
	public ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		if (!MergedAnnotations.from(testClass, SearchStrategy.TYPE_HIERARCHY).isPresent(IntegrationTest.class)) {
			return null;
		}
		return new Customizer(testClass);
	}

	private record Customizer(Class<?> testClass) implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
			TestInfrastructure.Postgres postgres = TestInfrastructure.postgres();
			TestInfrastructure.Redis redis = TestInfrastructure.redis();
			String database = TestInfrastructure.createDatabase(this.testClass.getSimpleName());
			Map<String, Object> properties = Map.of("lingxi.database.host", postgres.host(), "lingxi.database.port",
					postgres.port(), "lingxi.database.name", database, "lingxi.database.username", postgres.user(),
					"lingxi.database.password", postgres.password(), "spring.data.redis.host", redis.host(),
					"spring.data.redis.port", redis.port(), "spring.data.redis.password", redis.password(),
					"lingxi.redis.namespace", TestInfrastructure.newRedisNamespace(this.testClass.getSimpleName()));
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("lingxiTestInfrastructure", properties));
			// The service's own credentials, fresh for the run (TestTrust); a test's own
			// properties still win.
			String service = context.getEnvironment()
				.getProperty("lingxi.trust.service-name",
						context.getEnvironment().getProperty("spring.application.name", "test-service"));
			MapPropertySource trust = new MapPropertySource("lingxiTestTrust", TestTrust.properties(service));
			if (context.getEnvironment().getPropertySources().contains(INLINED)) {
				context.getEnvironment().getPropertySources().addAfter(INLINED, trust);
			}
			else {
				context.getEnvironment().getPropertySources().addAfter("lingxiTestInfrastructure", trust);
			}
			if (ClassUtils.isPresent(WEB_TEST_CLIENT_CUSTOMIZER, getClass().getClassLoader())) {
				context.getBeanFactory()
					.registerSingleton("lingxiTestClientAsIfThroughTheGateway",
							(WebTestClientBuilderCustomizer) (builder) -> builder
								.filter(new AsIfThroughTheGateway(service)));
			}
			// A test's first requests run in a cold JVM that BlockHound instruments, on
			// cores shared with the build: a Redis answer can take longer than the 2 s a
			// service allows in production. Lowest precedence, so a test that is about
			// timeouts still sets its own.
			context.getEnvironment()
				.getPropertySources()
				.addLast(new MapPropertySource("lingxiTestDefaults",
						Map.of("lingxi.redis.command-timeout", "10s", "lingxi.development", "true")));
		}

	}

}
