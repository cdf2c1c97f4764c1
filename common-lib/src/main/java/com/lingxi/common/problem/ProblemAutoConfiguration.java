package com.lingxi.common.problem;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** RFC 9457 problem responses for every error of a reactive web service. */
@AutoConfiguration(after = JacksonAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.REACTIVE)
public final class ProblemAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ProblemWebExceptionHandler problemWebExceptionHandler(JsonMapper jsonMapper) {
		return new ProblemWebExceptionHandler(jsonMapper);
	}

}
