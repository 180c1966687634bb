using Fleet.Shared.Cli;

namespace Fleet.Shared.Tests.Cli;

/// <summary>Redirected tables stay the columns scripts parse; on a terminal they are Spectre tables.</summary>
public sealed class TextTableTests
{
    private static readonly string[] Header = ["ID", "SCOPE", "REASON"];
    private static readonly IReadOnlyList<string>[] Rows =
    [
        ["k1", "campaign:summer-sale", "a reason with [brackets] and spaces"],
        ["k22", "all", ""],
    ];

    [Fact]
    public void Redirected_output_is_left_aligned_columns_two_spaces_apart_without_trailing_blanks()
    {
        var expected = string.Join(Environment.NewLine,
            "ID   SCOPE                 REASON",
            "k1   campaign:summer-sale  a reason with [brackets] and spaces",
            "k22  all",
            "");
        Assert.Equal(expected, TextTable.Render(Header, Rows, terminal: false));
    }

    [Fact]
    public void Redirected_rows_never_wrap_however_long_a_cell_is()
    {
        var longCell = string.Concat(Enumerable.Repeat("word ", 400)).Trim();
        var lines = TextTable.Render(["ID", "DETAIL"], [["a", longCell]], terminal: false).Split(Environment.NewLine);
        Assert.Equal(["ID  DETAIL", "a   " + longCell, ""], lines);
    }

    [Fact]
    public void A_header_with_no_rows_is_one_line()
    {
        Assert.Equal("ID  SCOPE  REASON" + Environment.NewLine, TextTable.Render(Header, [], terminal: false));
    }

    [Fact]
    public void On_a_terminal_the_table_has_borders_and_no_escape_codes()
    {
        var text = TextTable.Render(Header, Rows, terminal: true);
        Assert.DoesNotContain('\u001b', text);
        var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("campaign:summer-sale") && l.Contains("k1") && l.TrimStart()[0] != 'k');
        Assert.Equal(Rows.Length + 4, lines.Length); // top, header, rule, rows, bottom
    }
}
