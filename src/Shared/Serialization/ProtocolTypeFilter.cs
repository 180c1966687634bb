using System.Collections.Frozen;
using System.Reflection;
using Hyperion;

namespace Fleet.Shared.Serialization;

/// <summary>
/// Hyperion's allow-list: a remote message is deserialized only if every type named in it is a Fleet protocol type or
/// a plain value/collection type. Anything else (a gadget type sent by a hostile peer) is refused.
/// </summary>
public sealed class ProtocolTypeFilter : ITypeFilter
{
    private static readonly string[] SafeSystemTypes =
    [
        "System.String", "System.Boolean", "System.Byte", "System.Int16", "System.Int32", "System.Int64", "System.UInt32", "System.UInt64",
        "System.Single", "System.Double", "System.Decimal", "System.Guid", "System.DateTime", "System.DateTimeOffset", "System.TimeSpan",
        "System.Byte[]", "System.String[]", "System.Nullable`1", "System.Object",
        "System.Collections.Generic.List`1", "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.HashSet`1",
        "System.Collections.Generic.KeyValuePair`2", "System.Collections.DictionaryEntry",
        "System.Collections.Immutable.ImmutableList`1", "System.Collections.Immutable.ImmutableArray`1",
        "System.Collections.Immutable.ImmutableDictionary`2", "System.Collections.Immutable.ImmutableHashSet`1",
        "System.Collections.Immutable.ImmutableSortedDictionary`2",
    ];

    private readonly FrozenSet<string> _allowed;

    public ProtocolTypeFilter(IEnumerable<Assembly> protocolAssemblies)
    {
        var protocol = protocolAssemblies.Distinct().SelectMany(a => a.GetTypes())
            // Protocol records and the enums they carry.
            .Where(t => (typeof(IFleetProtocol).IsAssignableFrom(t) && !t.IsInterface) || (t.IsEnum && t.IsPublic))
            .Select(t => t.FullName!);
        _allowed = protocol.Concat(SafeSystemTypes).ToFrozenSet(StringComparer.Ordinal);
    }

    public static ProtocolTypeFilter ForFleet(params Assembly[] extra) =>
        new(extra.Append(typeof(IFleetProtocol).Assembly));

    public bool IsAllowed(string typeName) => TypeNamesIn(typeName).All(n => !NeverOnTheWire.Contains(n) && IsAllowedName(n));

    /// <summary>Types refused even if someone marks them as protocol: personal data has no wire form.</summary>
    private static readonly FrozenSet<string> NeverOnTheWire = new[] { typeof(Privacy.Pii<>).FullName! }.ToFrozenSet(StringComparer.Ordinal);

    private bool IsAllowedName(string name) =>
        _allowed.Contains(name) || (name.EndsWith("[]", StringComparison.Ordinal) && IsAllowedName(name[..^2]));

    /// <summary>Every type named in an assembly-qualified name, generic arguments included.</summary>
    internal static IEnumerable<string> TypeNamesIn(string assemblyQualifiedName) =>
        assemblyQualifiedName.Split('[', ']')
            .Select(part => part.Split(',')[0].Trim())
            .Where(n => n.Length > 0 && !n.StartsWith("Version=", StringComparison.Ordinal) && !n.StartsWith("Culture=", StringComparison.Ordinal) && !n.StartsWith("PublicKeyToken=", StringComparison.Ordinal));
}
