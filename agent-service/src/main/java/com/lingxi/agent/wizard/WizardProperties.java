package com.lingxi.agent.wizard;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Lingxi wizard.
 *
 * @param rulesLocation the rules file
 * @param maxTextLength longest request text, in characters
 */
@ConfigurationProperties(prefix = "lingxi.wizard")
public record WizardProperties(@DefaultValue("classpath:wizard/rules.yaml") String rulesLocation,
		@DefaultValue("1000") int maxTextLength) {

}
