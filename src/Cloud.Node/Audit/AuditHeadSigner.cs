namespace Fleet.Cloud.Audit;

/// <summary>Signs the audit chain head at start, then periodically while anything was appended, and at stop.</summary>
public sealed class AuditHeadSigner(CloudAudit audit, TimeSpan interval, ILogger<AuditHeadSigner> logger) : BackgroundService
{
    private long _signedSeq = -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Sign();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Sign();
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Sign();
    }

    private void Sign()
    {
        try
        {
            if (audit.Log.Head.Seq == _signedSeq) return;
            _signedSeq = audit.SignHead().Seq;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Shared.Cli.FleetException)
        {
            logger.LogError("signing the audit head failed: {Message}", e.Message);
        }
    }
}
