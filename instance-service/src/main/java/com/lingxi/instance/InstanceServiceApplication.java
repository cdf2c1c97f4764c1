package com.lingxi.instance;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.cloud.openfeign.EnableFeignClients;

/** Runs every user's private OpenClaw gateway. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableFeignClients
public class InstanceServiceApplication {

	public static void main(String[] args) {
		SpringApplication.run(InstanceServiceApplication.class, args);
	}

}
