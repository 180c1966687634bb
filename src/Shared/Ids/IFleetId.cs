namespace Fleet.Shared.Ids;

/// <summary>
/// An id kind that crosses Fleet's boundaries (routes, queries, certificates, CLI arguments): one grammar, checked once
/// where the text enters, written everywhere as its plain string.
/// </summary>
public interface IFleetId<TSelf> : IParsable<TSelf> where TSelf : struct, IFleetId<TSelf>
{
    string Value { get; }

    /// <summary>Why <paramref name="text"/> is no id of this kind (one line naming the kind and the value), or null when it is one.</summary>
    static abstract string? Invalid(string? text);
}
