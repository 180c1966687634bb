using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fleet.Shared.Cli;

/// <summary>
/// The CLIs' tables: a bordered Spectre table fitted to the window on a terminal; redirected, left-aligned columns two
/// spaces apart, one line per row with no trailing blanks, which is what scripts and tests parse (or they use <c>--json</c>).
/// </summary>
public static class TextTable
{
    public static string Render(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        Render(header, rows, Terminal.StdoutIsTerminal);

    internal static string Render(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, bool terminal)
    {
        var table = new Table { Border = terminal ? TableBorder.Rounded : TableBorder.None };
        for (var i = 0; i < header.Count; i++)
            table.AddColumn(new TableColumn(new Text(header[i]))
            {
                Padding = terminal ? new Padding(1, 0) : new Padding(0, 0, i == header.Count - 1 ? 0 : 2, 0),
                NoWrap = !terminal,
            });
        foreach (var row in rows) table.AddRow(row.Select(cell => (IRenderable)new Text(cell)));
        var lines = Terminal.Text(table, terminal).ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        return string.Concat(lines.Select(l => l.TrimEnd() + Environment.NewLine));
    }
}
