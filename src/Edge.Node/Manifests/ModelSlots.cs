using Fleet.Edge.Personalisation;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;

namespace Fleet.Edge.Manifests;

/// <summary>
/// The models this device was told to use: rollout overlays (one per model name) and models the manifests in force pin
/// (<c>campaign publish --model</c>, one per sha256). Each slot holds the model once it passed its test run, or why it
/// was refused. Decides which model a manifest renders with and what the device reports, always naming what actually
/// runs; the manifests actor fetches, logs and audits.
/// </summary>
public sealed class ModelSlots
{
    /// <param name="Warming">Ready, but renders keep the model they use until the render pipeline has warmed up with it.</param>
    public sealed record Slot(ArtifactOverlay Overlay, ModelInUse? Ready, string? Error, bool Warming = false)
    {
        public ModelInUse? InUse(bool includeWarming) => includeWarming || !Warming ? Ready : null;
    }

    private readonly Dictionary<string, Slot> _directed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Slot> _pinned = new(StringComparer.Ordinal);

    /// <summary>
    /// The model overlays that apply to this device replace the slot of their model name (a later one wins); a slot whose
    /// overlay went away (rollback) is dropped, which puts the manifest's model back in use at once. Returns the dropped ones.
    /// </summary>
    public IReadOnlyList<ArtifactOverlay> Direct(IEnumerable<ArtifactOverlay> applying)
    {
        var wanted = applying.Where(o => o.Sha256 is not null).GroupBy(o => o.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var dropped = _directed.Values.Select(s => s.Overlay).Where(o => !wanted.ContainsKey(o.Name)).ToList();
        foreach (var o in dropped) _directed.Remove(o.Name);
        foreach (var (name, overlay) in wanted)
            if (!_directed.TryGetValue(name, out var slot) || slot.Overlay.Sha256 != overlay.Sha256)
                _directed[name] = new Slot(overlay, null, null);
        return dropped;
    }

    /// <summary>Every model the manifests in force name, other than the built-in one, gets a slot; a pin no manifest names any more is dropped.</summary>
    public void Pin(IEnumerable<ArtifactRef> named)
    {
        var wanted = named.Where(r => r != DefaultModel.Ref).DistinctBy(r => r.Sha256).ToList();
        foreach (var sha in _pinned.Keys.Where(k => wanted.All(r => r.Sha256 != k)).ToList()) _pinned.Remove(sha);
        foreach (var r in wanted.Where(r => !_pinned.ContainsKey(r.Sha256)))
            _pinned[r.Sha256] = new Slot(new ArtifactOverlay("manifest", Shared.Rollouts.ArtifactKind.Model, r.Name, r.Version, r.Sha256, null,
                new Dictionary<string, string>(), null), null, null);
    }

    /// <summary>The sha256 of every model a slot wants (the rest may be deleted).</summary>
    public IReadOnlySet<string> Shas => _directed.Values.Concat(_pinned.Values).Select(s => s.Overlay.Sha256!).ToHashSet(StringComparer.Ordinal);

    /// <summary>The next model that is neither ready nor refused and that <paramref name="can"/> prepare now.</summary>
    public ArtifactOverlay? Next(Func<ArtifactOverlay, bool> can) =>
        _directed.Values.Concat(_pinned.Values).FirstOrDefault(s => s.Ready is null && s.Error is null && can(s.Overlay))?.Overlay;

    /// <summary>
    /// A test run's outcome, kept in every slot that still wants that model; which kinds of slot took it. A model that
    /// passed with <paramref name="warming"/> is not used until <see cref="Warmed"/>.
    /// </summary>
    public (bool Directed, bool Pinned) Settle(ArtifactOverlay o, ModelInUse? model, string? error, bool warming = false) =>
        Update(o, _ => true, s => s with { Ready = model, Error = error, Warming = warming && model is not null });

    /// <summary>The render pipeline is ready for the model: renders use it from now on, in the slots still warming it.</summary>
    public (bool Directed, bool Pinned) Warmed(ArtifactOverlay o) => Update(o, s => s.Warming, s => s with { Warming = false });

    private (bool Directed, bool Pinned) Update(ArtifactOverlay o, Func<Slot, bool> applies, Func<Slot, Slot> change)
    {
        var directed = _directed.TryGetValue(o.Name, out var d) && d.Overlay.Sha256 == o.Sha256 && applies(d);
        if (directed) _directed[o.Name] = change(d!);
        var pinned = _pinned.TryGetValue(o.Sha256!, out var p) && applies(p!);
        if (pinned) _pinned[o.Sha256!] = change(p!);
        return (directed, pinned);
    }

    /// <summary>A stored model file failed its check: it is verified again before any render uses it.</summary>
    public void Forget(string sha)
    {
        foreach (var (name, slot) in _directed.Where(m => m.Value.Overlay.Sha256 == sha).ToList()) _directed[name] = new Slot(slot.Overlay, null, null);
        if (_pinned.TryGetValue(sha, out var pin)) _pinned[sha] = new Slot(pin.Overlay, null, null);
    }

    /// <summary>
    /// The model a rollout switched this device to, once verified (and warmed); otherwise the one the manifest pins, once
    /// verified (and warmed); otherwise the built-in one (and it is named as such). <paramref name="warming"/>: the model
    /// renders will use once the models warming now are warmed.
    /// </summary>
    public ModelInUse For(Manifest m, bool warming = false) =>
        _directed.TryGetValue(m.Model.Name, out var slot) && slot.InUse(warming) is { } ready ? ready
        : _pinned.TryGetValue(m.Model.Sha256, out var pin) && pin.InUse(warming) is { } pinned ? pinned
        : new ModelInUse(DefaultModel.Ref.Id, null);

    /// <summary>Models renders use now, and models this device was told to use but refused (with why).</summary>
    public List<DeviceModel> States(IEnumerable<Manifest> inForce) =>
        inForce.Select(m => For(m).Id)
            .Concat(_directed.Values.Select(m => m.InUse(includeWarming: false)).OfType<ModelInUse>().Select(m => m.Id))
            .Distinct(StringComparer.Ordinal).Select(id => ArtifactRef.Parse(id, "")).Select(r => new DeviceModel(r.Name, r.Version, null))
            .Concat(_directed.Values.Concat(_pinned.Values).Where(m => m.Error is not null).Select(m => new DeviceModel(m.Overlay.Name, m.Overlay.Version, m.Error)))
            .ToList();
}
