package com.lingxi.common.trust;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the platform services that may call an {@code /internal/**} handler (on the
 * method, or on the controller for all its methods). A caller proves its name with a
 * service token; any other caller gets 403. An internal handler without this annotation
 * answers nobody.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface InternalApi {

	/** The identity an operator's command line ({@code ./lingxi call}) signs as. */
	String OPERATOR = "lingxi-operator";

	/** Service names ({@code spring.application.name}) allowed to call. */
	String[] callers();

}
