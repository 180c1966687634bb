namespace Fleet.Shared.Tokens;

/// <summary>API roles: viewer reads, operator changes campaigns/models/keys/assignments, sre runs the kill-switch, device reads its own.</summary>
public static class TokenRoles
{
    public const string Admin = "admin";
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Sre = "sre";
    public const string Device = "device";

    /// <summary>Roles a token can be created with (admin is only the bootstrap token).</summary>
    public static readonly IReadOnlyList<string> Creatable = new[] { Viewer, Operator, Sre, Device };

    public static bool IsCreatable(string? role) => role is not null && Creatable.Contains(role);

    /// <summary>Whether a holder of <paramref name="held"/> may act as <paramref name="required"/>: admin may do anything, operator and sre may also read.</summary>
    public static bool Satisfies(string held, string required) =>
        held == Admin || held == required || (required == Viewer && held is Operator or Sre);
}
