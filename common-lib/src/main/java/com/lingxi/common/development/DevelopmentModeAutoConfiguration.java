package com.lingxi.common.development;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

/**
 * Development mode ({@code lingxi.development=true}, which {@code ./lingxi up} turns on):
 * the switch behind everything that exists only to run the platform on one machine (the
 * {@code log} SMS sender and its inbox, users' gateways as local processes). A service
 * says so when it starts, and refuses to start in development mode under the {@code prod}
 * profile.
 */
@AutoConfiguration
public final class DevelopmentModeAutoConfiguration {

	/** The property. */
	public static final String PROPERTY = "lingxi.development";

	private static final Logger log = LoggerFactory.getLogger(DevelopmentModeAutoConfiguration.class);

	DevelopmentModeAutoConfiguration(Environment environment) {
		if (!isOn(environment)) {
			return;
		}
		if (environment.acceptsProfiles(Profiles.of("prod"))) {
			throw new IllegalStateException("lingxi.development=true (LINGXI_DEVELOPMENT) is not allowed with the prod"
					+ " profile: development mode offers a log SMS sender and unisolated local gateways.");
		}
		log.warn("Development mode (lingxi.development=true): development-only features are on; never run it for"
				+ " real users");
	}

	/** Whether development mode is on. */
	public static boolean isOn(Environment environment) {
		return environment.getProperty(PROPERTY, Boolean.class, false);
	}

}
