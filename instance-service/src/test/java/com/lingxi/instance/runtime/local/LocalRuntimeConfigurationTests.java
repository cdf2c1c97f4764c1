package com.lingxi.instance.runtime.local;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import com.lingxi.instance.lifecycle.Capacity;
import com.lingxi.instance.runtime.local.LocalRuntimeProperties.Sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The local runtime exists only in development mode, says loudly what it is, and does not
 * start without the sandbox it is asked for.
 */
@ExtendWith(OutputCaptureExtension.class)
class LocalRuntimeConfigurationTests {

	@TempDir
	Path instances;

	ApplicationContextRunner runner() {
		return new ApplicationContextRunner().withUserConfiguration(Properties.class, LocalRuntimeConfiguration.class)
			.withPropertyValues("lingxi.instances.local.directory=" + this.instances);
	}

	@Test
	void outsideDevelopmentModeInstanceServiceRefusesToStartWithTheLocalRuntime() {
		runner().run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("exists only for development")
				.hasMessageContaining("lingxi.instances.runtime=kubernetes")
				.hasMessageContaining("lingxi.development=true");
		});
		runner().withPropertyValues("lingxi.development=false", "lingxi.instances.runtime=local")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void withTheKubernetesRuntimeDevelopmentModeIsNotNeeded() {
		runner().withPropertyValues("lingxi.instances.runtime=kubernetes")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LocalRuntime.class));
	}

	@Test
	void inDevelopmentModeItStartsSandboxedAndWarnsThatItIsNotStrongIsolation(CapturedOutput output) {
		runner().withPropertyValues("lingxi.development=true").run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(LocalRuntime.class).hasSingleBean(Capacity.class);
			assertThat(context.getBean(LocalRuntime.class).confined()).isTrue();
		});
		assertThat(output).contains("WARN")
			.contains("sandboxed with bubblewrap")
			.contains("for development, not strong isolation");
	}

	@Test
	void withoutASandboxItWarnsThatGatewaysCanReadThePlatformsSecrets(CapturedOutput output) {
		runner().withPropertyValues("lingxi.development=true", "lingxi.instances.local.sandbox=none")
			.run((context) -> assertThat(context.getBean(LocalRuntime.class).confined()).isFalse());
		assertThat(output).contains("WITHOUT a sandbox").contains("can read the platform's secrets");
	}

	@Test
	void withoutBubblewrapTheRuntimeDoesNotStartAndSaysWhatToDo(@TempDir Path emptyPath) {
		LocalRuntimeProperties properties = GatewaySandboxTests.properties(this.instances, Sandbox.BWRAP, 19000);
		assertThatThrownBy(() -> GatewaySandbox.of(properties, emptyPath.toString(), false))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("bwrap (bubblewrap) is not installed")
			.hasMessageContaining("apt-get install bubblewrap")
			.hasMessageContaining("lingxi.instances.local.sandbox=none (unsafe");
		// With the sandbox explicitly off, bubblewrap is not needed.
		LocalRuntimeProperties none = GatewaySandboxTests.properties(this.instances, Sandbox.NONE, 19000);
		assertThat(GatewaySandbox.of(none, emptyPath.toString(), false).confined()).isFalse();
	}

	@Test
	void aSandboxThatCannotBeMadeFailsTheStartWithBwrapsReason() throws Exception {
		// A "bwrap" that refuses, as bubblewrap does without user namespaces.
		Path bin = Files.createDirectories(this.instances.resolve("fake-bin"));
		for (String program : new String[] { "setsid", "setpriv" }) {
			Files.createSymbolicLink(bin.resolve(program), Path.of("/usr/bin", program));
		}
		Path bwrap = bin.resolve("bwrap");
		Files.writeString(bwrap, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
		bwrap.toFile().setExecutable(true);
		LocalRuntimeProperties properties = GatewaySandboxTests.properties(this.instances.resolve("gateways"),
				Sandbox.BWRAP, 19000);
		GatewaySandbox sandbox = GatewaySandbox.of(properties, bin.toString(), false);
		assertThatThrownBy(() -> new LocalRuntime(properties, sandbox)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("bwrap cannot make a gateway sandbox on this machine")
			.hasMessageContaining("No permissions to create new namespace");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(LocalRuntimeProperties.class)
	static class Properties {

	}

}
