using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StandardsRegistry.Api;
using StandardsRegistry.Api.Catalogue;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Benchmarks;

/// <summary>Marking parsing: every token's clearance claim, every draft's classification.</summary>
[MemoryDiagnoser]
public class MarkingParsing
{
    [Params("NS", "NATO SECRET", "secret ue/eu secret", "TRÈS SECRET UE/EU TOP SECRET", "TOP SECRET")]
    public string Text { get; set; } = "";

    [Benchmark]
    public bool TryParse() => Markings.TryParse(Text, out _);
}

/// <summary>The release rule in memory (the SQL form runs in the database; this is the oracle the tests hold it to).</summary>
[MemoryDiagnoser]
public class ReleaseRuleCanSee
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly VisibilityScope EuConsumer = new(false, "EU", Classification.NS, false, MarkingScheme.Eu);
    private static readonly VisibilityScope NatoEditor = new(true, Communities.Nato, Classification.CTS, true, MarkingScheme.Nato);
    private static readonly VersionFacts Version = new(Classification.NR, VersionStatus.Published);
    private static readonly ReleaseFacts[] Releases =
    [
        new("PUBLIC", Now.AddDays(-300), null),
        new("EU", Now.AddDays(-200), Now.AddDays(-100)),
        new("EU", Now.AddDays(-90), null),
    ];

    [Benchmark(Baseline = true)]
    public bool EuConsumerWithAReleaseInEffect() => ReleaseRule.CanSee(EuConsumer, Version, Releases, Now);

    [Benchmark]
    public bool NatoEditorByClearance() => ReleaseRule.CanSee(NatoEditor, Version, Releases, Now);
}

/// <summary>
/// What GET …/versions/latest does after the query: the row becomes the caller's DTO, is serialized with the host's
/// own JSON options, and the strong ETag is computed from those bytes.
/// </summary>
[MemoryDiagnoser]
public class VersionSerialization
{
    private static readonly VisibilityScope EuConsumer = new(false, "EU", Classification.NS, false, MarkingScheme.Eu);

    private readonly VersionRow _row = new()
    {
        Id = 4172,
        StandardKey = "stanag-4172",
        Designation = "STANAG 4172",
        Category = Categories.Caliber,
        Edition = 3,
        Title = "5.56 mm ammunition, edition 3",
        Summary = "Revised test and interchangeability procedures.",
        Body = string.Join(' ', Enumerable.Repeat("Implementations shall meet the conformance criteria in the annexes before operational use.", 6)),
        Attributes = """{"boreMm":5.56,"caseLengthMm":44.7,"cartridge":"5.56x45mm NATO"}""",
        Status = VersionStatus.Superseded,
        Classification = Classification.NR,
        PublishedAt = 1_700_000_000_000,
        RowVersion = 3,
        SupersededBy = 4,
    };

    private JsonSerializerOptions _options = null!;
    private VersionDto _dto = null!;
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup()
    {
        // The host's serializer options, as RegistryHost configures them (not a copy).
        var builder = WebApplication.CreateBuilder();
        builder.AddRegistryHost();
        using var app = builder.Build();
        _options = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        _dto = VersionDto.From(_row, EuConsumer);
        _bytes = JsonSerializer.SerializeToUtf8Bytes(_dto, _options);
    }

    [Benchmark]
    public VersionDto DtoFromRow() => VersionDto.From(_row, EuConsumer);

    [Benchmark]
    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(_dto, _options);

    [Benchmark]
    public string ETag() => ETags.Of(_bytes);

    [Benchmark]
    public string RowToTaggedBytes() => ETags.Of(JsonSerializer.SerializeToUtf8Bytes(VersionDto.From(_row, EuConsumer), _options));
}
