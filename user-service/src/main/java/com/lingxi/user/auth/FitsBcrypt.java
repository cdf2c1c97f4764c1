package com.lingxi.user.auth;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * A password bcrypt can hash whole: at most {@value Passwords#MAX_BYTES} bytes in UTF-8.
 * bcrypt reads no further, so a longer password would be cut silently (or refused by the
 * encoder); a Chinese character takes three bytes, so this is 24 of them, not 72. Null is
 * valid (the field is optional).
 */
@Documented
@Constraint(validatedBy = FitsBcrypt.Validator.class)
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
@interface FitsBcrypt {

	String message() default Passwords.TOO_LONG;

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	final class Validator implements ConstraintValidator<FitsBcrypt, String> {

		@Override
		public boolean isValid(String value, ConstraintValidatorContext context) {
			return value == null || Passwords.fits(value);
		}

	}

}
