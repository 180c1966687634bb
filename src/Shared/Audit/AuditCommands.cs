namespace Fleet.Shared.Audit;

/// <summary>
/// What other actors send to a node's audit actor (<see cref="AuditActorKey"/>): one entry per enforcement or operator
/// action, e.g. <c>new AuditCommands.Record("policy", "kill", "model:minilm@1.2.0", "epoch 7")</c>.
/// </summary>
public static class AuditCommands
{
    /// <summary>Appends an entry; with <paramref name="Confirm"/> the sender gets the written <see cref="AuditEntry"/> back.</summary>
    public sealed record Record(string Actor, string Action, string Subject, string? Detail = null, bool Confirm = false);

    /// <summary>Well-known actions on devices, so rollout gates and reports can filter by them.</summary>
    public static class Actions
    {
        public const string Render = "render";
        public const string ManifestSwap = "manifest-swap";
        public const string ModelSwap = "model-swap";
        public const string Enrolled = "enrolled";
        public const string CredentialsIssued = "credentials-issued";
        public const string Kill = "kill";
        public const string FallbackPolicyChange = "fallback-policy-change";
    }
}

/// <summary>Registry key of the node's audit actor.</summary>
public sealed class AuditActorKey;
