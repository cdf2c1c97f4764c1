package com.lingxi.instance.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A file for a gateway's state directory ({@code ~/.openclaw}): a path relative to it and
 * the bytes.
 *
 * @param path relative path ({@code workspaces/coder/SOUL.md}, {@code openclaw.json})
 * @param content text, or Base64 when {@code encoding} is {@code base64}
 * @param encoding {@code utf-8} or {@code base64}
 */
public record GatewayFile(String path, String content, String encoding) {

	public GatewayFile {
		if (path.startsWith("/") || path.contains("..") || path.contains("\\") || path.isBlank()) {
			throw new IllegalArgumentException("Unsafe gateway file path: " + path);
		}
	}

	public static GatewayFile text(String path, String content) {
		return new GatewayFile(path, content, "utf-8");
	}

	public byte[] bytes() {
		return "base64".equals(this.encoding) ? Base64.getDecoder().decode(this.content)
				: this.content.getBytes(StandardCharsets.UTF_8);
	}

}
