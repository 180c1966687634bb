using Fleet.Edge.Personalisation.Copy;
using Fleet.Edge.Personalisation.Bandit;
using Fleet.Shared.Personalisation.Embedding;
using Fleet.Edge.Privacy;

namespace Fleet.Edge.Node.Tests.Personalisation;

/// <summary>Builds choosers on the real model with a fresh data folder and a seeded bandit.</summary>
internal static class ChooserFixture
{
    public static CopyChooser Create(int seed = 42, string? dataDir = null, IEmbedder? embedder = null)
    {
        var data = dataDir ?? ModelFixtures.DataDir();
        return new CopyChooser(embedder ?? MiniLmEmbedder.For(MiniLmOptions.Default), new OutcomeStore(data), new UserIdHasher(data),
            new BanditOptions(), new Random(seed));
    }
}
