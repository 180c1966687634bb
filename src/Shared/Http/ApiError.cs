namespace Fleet.Shared.Http;

/// <summary>
/// The one error shape of every Fleet HTTP API (the cloud's and a device's local API): <c>{"error": "one line"}</c>,
/// with a machine-readable <c>reason</c> where a client acts on it (render jobs: budget, device-quota, not-allowed).
/// </summary>
public sealed record ApiError(string Error, string? Reason = null);
