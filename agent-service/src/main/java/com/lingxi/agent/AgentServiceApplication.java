package com.lingxi.agent;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Agent catalog and teams, the Lingxi wizard, the skill marketplace and memories. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AgentServiceApplication {

	public static void main(String[] args) {
		SpringApplication.run(AgentServiceApplication.class, args);
	}

}
