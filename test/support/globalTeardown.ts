function globalTeardown(): void {
  globalThis.__adapterPostgres?.destroy();
}

export = globalTeardown;
