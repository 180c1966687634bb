namespace Fleet.Edge.Link;

/// <summary>
/// What one cluster session of the agent achieved, shared between the link actor and the agent loop that decides
/// whether to rejoin: never joined, joined (then lost), or refused by the cloud (stop, do not retry).
/// </summary>
public sealed class LinkSession
{
    private readonly TaskCompletionSource<string> _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public volatile bool Joined;
    public volatile string? RefusedReason;

    public Task<string> Registered => _registered.Task;

    public void MarkRegistered(string deviceId) => _registered.TrySetResult(deviceId);
}
