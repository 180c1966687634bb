using Fleet.Shared.Serialization;

namespace Fleet.Shared.Commands;

/// <summary>
/// Why an actor refused a command, in domain terms. Callers (HTTP, CLI, other actors) decide what a code means to
/// them; the HTTP mapping is <c>ApiResults.Refusal</c>. A new code needs a mapping there (a test fails without one).
/// The kebab-case name (<c>FleetJson.Name</c>) is what clients see where an API reports the reason.
/// </summary>
public enum RefusalCode
{
    /// <summary>The command is malformed or breaks a rule about its own contents.</summary>
    Invalid,
    /// <summary>What the command names does not exist.</summary>
    NotFound,
    /// <summary>The command contradicts the current state (busy, already exists, wrong status).</summary>
    Conflict,
    /// <summary>What the command names existed but was withdrawn for good.</summary>
    Gone,
    /// <summary>What the caller presented (an enrolment code, a credential) does not grant this.</summary>
    Forbidden,
    /// <summary>The target's own policy does not allow this (e.g. a campaign that does not allow cloud renders).</summary>
    NotAllowed,
    /// <summary>A daily budget is used up; it refills later.</summary>
    Budget,
    /// <summary>One caller already holds as much as it may at once.</summary>
    DeviceQuota,
    /// <summary>Something the command depends on did not answer; trying again may work.</summary>
    Unavailable,
}

/// <summary>The one refusal answer to a command: a code callers can act on and one line for people.</summary>
public sealed record Refused(RefusalCode Code, string Reason) : IFleetProtocol
{
    public static Refused Invalid(string reason) => new(RefusalCode.Invalid, reason);
    public static Refused NotFound(string reason) => new(RefusalCode.NotFound, reason);
    public static Refused Conflict(string reason) => new(RefusalCode.Conflict, reason);
}
