namespace OutageDrill.Tests;

/// <summary>
/// Tests that run the drill's command line share its default journal, outage-drill.db in the working directory
/// (deleted and recreated by every run): they run one at a time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DrillCommandLine
{
    public const string Name = "The drill's command line (one default journal)";
}
