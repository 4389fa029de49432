"""Assets per layer. ``pipelines.definitions`` collects every AssetsDefinition and asset check in these modules."""
