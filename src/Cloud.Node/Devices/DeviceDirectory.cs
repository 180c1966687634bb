using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Fleet.Shared.Devices;

namespace Fleet.Cloud.Devices;

/// <summary>Read side of the registry for the API: which devices exist (from the journal) and each one's live view.</summary>
public sealed class DeviceDirectory(ActorSystem system, IRequiredActor<DeviceRegion> region)
{
    private const string PersistencePrefix = "device-";
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<DeviceReplies.DeviceView>> ListAsync(CancellationToken ct)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var ids = await journal.CurrentPersistenceIds()
            .Where(id => id.StartsWith(PersistencePrefix, StringComparison.Ordinal))
            .Select(id => id[PersistencePrefix.Length..])
            .RunWith(Sink.Seq<string>(), system.Materializer());
        var regionRef = await region.GetAsync(ct);
        var views = await Task.WhenAll(ids.Distinct().Select(id =>
            regionRef.Ask<DeviceReplies.DeviceView>(new DeviceCommands.Get(id), AskTimeout, ct)));
        return views.Where(v => v.Facts is not null).OrderBy(v => v.DeviceId, StringComparer.Ordinal).ToList();
    }

    public async Task<DeviceReplies.DeviceView?> GetAsync(string deviceId, CancellationToken ct)
    {
        if (!DeviceId.IsValid(deviceId)) return null;
        var regionRef = await region.GetAsync(ct);
        var view = await regionRef.Ask<DeviceReplies.DeviceView>(new DeviceCommands.Get(deviceId), AskTimeout, ct);
        return view.Facts is null ? null : view;
    }
}
