using System.Text.Json;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Player;

/// <summary>How many renders the ledger remembers and for how long (events for older ones are answered 404).</summary>
/// <param name="MaxRenders">The newest renders kept; a kiosk showing one ad every 15 s makes ~5,800 a day.</param>
/// <param name="Expiry">A player reports within seconds of showing an ad; a day covers a kiosk that was offline meanwhile.</param>
public sealed record RenderLedgerOptions(int MaxRenders = 10_000, TimeSpan? Expiry = null)
{
    public TimeSpan ExpiryOrDefault => Expiry ?? TimeSpan.FromHours(24);
}

/// <summary>What the ledger says about one player event.</summary>
public abstract record EventVerdict
{
    public sealed record Unknown(string RenderId) : EventVerdict;
    public sealed record Expired(string RenderId) : EventVerdict;
    /// <summary>Known render; <paramref name="Newly"/> empty means a duplicate (nothing counted).</summary>
    public sealed record Accepted(ShownRender Render, IReadOnlyList<string> Newly) : EventVerdict;
}

/// <summary>
/// The device's memory of what each render id showed (<see cref="ShownRender"/>) and which player events were counted
/// for it, bounded by <see cref="RenderLedgerOptions"/> and kept in <c>&lt;data&gt;/player/renders.jsonl</c> so a restart
/// neither forgets renders nor counts an event twice. The file is an append log (one JSON record per line, the last line
/// of an id wins): an event costs one small append, not a rewrite. When it holds twice the live records it is compacted
/// into a temp file that replaces it by rename. A torn last line (power cut mid-append) is dropped; any other damage sets
/// the file aside as <c>renders.jsonl.corrupt</c> and the ledger starts empty (events for those renders answer 404).
/// </summary>
public sealed class RenderLedger
{
    public const string FileName = "renders.jsonl";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ShownRender> _renders = new(StringComparer.Ordinal);
    /// <summary>Render ids oldest first (renders are remembered as they finish), for pruning.</summary>
    private readonly Queue<string> _order = new();
    private readonly RenderLedgerOptions _options;
    private readonly TimeProvider _clock;
    private int _lines;

    public RenderLedger(string dataDir, RenderLedgerOptions? options = null, TimeProvider? clock = null)
    {
        _options = options ?? new RenderLedgerOptions();
        _clock = clock ?? TimeProvider.System;
        Path = System.IO.Path.Combine(dataDir, "player", FileName);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        Load();
    }

    public string Path { get; }

    public int Renders { get { lock (_gate) return _renders.Count; } }

    public TimeSpan Expiry => _options.ExpiryOrDefault;

    public void Remember(ShownRender render)
    {
        lock (_gate)
        {
            if (_renders.TryAdd(render.RenderId, render)) _order.Enqueue(render.RenderId);
            else _renders[render.RenderId] = render;
            Append(render);
            Prune();
        }
    }

    public ShownRender? Find(string renderId)
    {
        lock (_gate) return _renders.GetValueOrDefault(renderId);
    }

    /// <summary>Counts one player event of <paramref name="kind"/> (see <see cref="PlayerEventKinds"/>) for a render, at most once per slot.</summary>
    public EventVerdict Count(string renderId, string kind)
    {
        lock (_gate)
        {
            if (!_renders.TryGetValue(renderId, out var render)) return new EventVerdict.Unknown(renderId);
            if (IsExpired(render)) return new EventVerdict.Expired(renderId);
            var newly = PlayerEventKinds.NewlyCounted(render.CountedSlots, kind);
            if (newly.Count == 0) return new EventVerdict.Accepted(render, newly);
            var updated = render with { Counted = render.CountedSlots.Concat(newly).ToList() };
            _renders[renderId] = updated;
            Append(updated);
            return new EventVerdict.Accepted(updated, newly);
        }
    }

    private bool IsExpired(ShownRender r) => r.At + _options.ExpiryOrDefault <= _clock.GetUtcNow();

    private void Prune()
    {
        while (_order.TryPeek(out var oldest) && (_renders.Count > _options.MaxRenders || !_renders.TryGetValue(oldest, out var r) || IsExpired(r)))
            _renders.Remove(_order.Dequeue());
        if (_lines > 2 * _renders.Count + 64) Compact();
    }

    private void Append(ShownRender r)
    {
        File.AppendAllText(Path, JsonSerializer.Serialize(r, FleetJson.Options) + "\n");
        _lines++;
    }

    private void Compact()
    {
        var tmp = Path + ".tmp";
        File.WriteAllLines(tmp, _order.Select(id => JsonSerializer.Serialize(_renders[id], FleetJson.Options)));
        File.Move(tmp, Path, overwrite: true);
        _lines = _renders.Count;
    }

    private void Load()
    {
        if (!File.Exists(Path)) return;
        var lines = File.ReadAllLines(Path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            ShownRender? r = null;
            try { r = JsonSerializer.Deserialize<ShownRender>(lines[i], FleetJson.Options); }
            catch (JsonException) { }
            if (r is { RenderId.Length: > 0 })
            {
                if (_renders.TryAdd(r.RenderId, r)) _order.Enqueue(r.RenderId);
                else _renders[r.RenderId] = r;
                continue;
            }
            if (i == lines.Length - 1) break; // torn last append
            // Anything else is damage: set the file aside rather than credit events to half-known renders.
            _renders.Clear();
            _order.Clear();
            File.Move(Path, Path + ".corrupt", overwrite: true);
            Hosting.AgentLog.Write($"player: {Path} is damaged (line {i + 1}); set aside as {FileName}.corrupt, starting empty");
            return;
        }
        _lines = lines.Length;
        Prune();
        Compact();
    }
}
