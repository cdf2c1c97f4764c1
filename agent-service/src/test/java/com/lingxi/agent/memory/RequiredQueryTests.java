package com.lingxi.agent.memory;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequiredQueryTests {

	@Test
	void oneTermOrAnyOfFewTerms() {
		assertThat(Memories.requiredQuery(List.of("'会议'"), 0.5)).isEqualTo("'会议'");
		assertThat(Memories.requiredQuery(List.of("'数据'", "'据分'"), 0.5)).isEqualTo("'数据' | '据分'");
	}

	@Test
	void atLeastHalfOfTheTermsAsAndGroups() {
		assertThat(Memories.requiredQuery(List.of("'a'", "'b'", "'c'"), 0.5))
			.isEqualTo("('a' & 'b') | ('a' & 'c') | ('b' & 'c')");
		assertThat(Memories.requiredQuery(List.of("'a'", "'b'", "'c'", "'d'"), 0.5).split("\\|")).hasSize(6);
	}

	@Test
	void longQueriesUseConsecutiveGroups() {
		List<String> terms = List.of("'1'", "'2'", "'3'", "'4'", "'5'", "'6'", "'7'", "'8'", "'9'", "'10'");
		assertThat(Memories.requiredQuery(terms, 0.5).split("\\|")).hasSize(6);
		assertThat(Memories.requiredQuery(terms, 0.5)).startsWith("('1' & '2' & '3' & '4' & '5')");
	}

}
