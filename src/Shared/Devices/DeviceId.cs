using System.Text.RegularExpressions;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Devices;

/// <summary>Device ids are short, lowercase and path-safe: they name shard entities, roles, folders and URLs.</summary>
public static partial class DeviceId
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    public static string Validate(string id) => IsValid(id)
        ? id
        : throw new UsageException($"device id '{id}' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit");

    public static string New() => "dev-" + Guid.NewGuid().ToString("N")[..12];
}
