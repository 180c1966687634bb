using Spectre.Console;

namespace Fleet.Shared.Cli;

public static partial class Terminal
{
    /// <summary>
    /// Runs long work that reports its steps: on a terminal, a spinner on stderr with the latest step and every step
    /// printed above it; otherwise each step goes to <paramref name="redirected"/> (null: nowhere, for commands whose
    /// stderr has always been quiet). <paramref name="quiet"/> (<c>--json</c>) shows nothing at all.
    /// </summary>
    public static async Task<T> StatusAsync<T>(string title, Func<Action<string>, Task<T>> work, Action<string>? redirected = null, bool quiet = false)
    {
        if (quiet) return await work(_ => { });
        if (!StderrIsTerminal) return await work(redirected ?? (_ => { }));
        return await Stderr.Status().StartAsync(Markup.Escape(title), status =>
        {
            var gate = new object();
            return work(step =>
            {
                // Benchmarks report from several threads at once.
                lock (gate)
                {
                    Stderr.WriteLine(step);
                    status.Status = Markup.Escape(step);
                }
            });
        });
    }

    /// <summary>
    /// A Spectre progress bar of bytes on stderr that runs beside the transfer it measures; <see cref="Dispose"/>
    /// draws its last state and ends it, so the next line printed is never drawn over.
    /// </summary>
    public sealed class ByteBar : IDisposable
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ProgressTask _task;
        private readonly Task _shown;

        public ByteBar(string label, long total)
        {
            var started = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
            _shown = Stderr.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                .StartAsync(ctx =>
                {
                    started.SetResult(ctx.AddTask(Markup.Escape(label), maxValue: total));
                    return _ended.Task;
                });
            _shown.ContinueWith(t => started.TrySetException(t.Exception!.InnerExceptions), TaskContinuationOptions.OnlyOnFaulted);
            _task = started.Task.GetAwaiter().GetResult();
        }

        public double Value { set => _task.Value = value; }

        public void Dispose()
        {
            if (_ended.TrySetResult()) _shown.GetAwaiter().GetResult();
        }
    }
}
