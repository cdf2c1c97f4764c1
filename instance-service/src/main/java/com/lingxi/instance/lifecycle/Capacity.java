package com.lingxi.instance.lifecycle;

/** How many gateways (pooled, starting, serving) this platform may run at once. */
@FunctionalInterface
public interface Capacity {

	int max();

}
