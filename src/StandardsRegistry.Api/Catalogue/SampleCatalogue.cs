using System.Text.Json;
using System.Text.Json.Nodes;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>
/// Loads the sample catalogue (db/seed/catalogue.json) into an empty database, through the same validation and
/// stores the API uses. Release times are relative to now, so the future-dated release stays in the future.
/// </summary>
public sealed class SampleCatalogue(EditorialStore editorial, ReleaseStore releases, ResponseStore responses, RelationStore relations, AudienceDirectory audiences,
    CapabilityStore capabilities, CapabilityTables tables, CatalogueQueries queries, RegistryClock clock, ILogger<SampleCatalogue> logger)
{
    private const string Seeder = Subjects.SampleCatalogue;
    private static readonly AuditActor SeederActor = AuditActor.System(Seeder);
    private static readonly VisibilityScope EditorScope = VisibilityScope.Nato(Classification.CTS, drafts: true);

    public async Task<bool> LoadIfEmptyAsync(CancellationToken ct = default)
    {
        var now = clock.Now;
        if ((await queries.ListStandardsAsync(EditorScope, now, new(null, null, null, 1), ct)).Count > 0)
        {
            return false;
        }

        await using var stream = typeof(SampleCatalogue).Assembly.GetManifestResourceStream("catalogue.json")
            ?? throw new InvalidOperationException("The sample catalogue is missing from the assembly.");
        var catalogue = await JsonSerializer.DeserializeAsync<SeedCatalogue>(stream, Json, ct)
            ?? throw new InvalidOperationException("The sample catalogue is empty.");

        var known = await audiences.AllAsync(ct);
        foreach (var standard in catalogue.Standards)
        {
            await LoadAsync(standard, known, now, ct);
        }
        // Relations once every standard exists, so an edge may point to a standard listed after its own.
        foreach (var standard in catalogue.Standards)
        {
            await RelateAsync(standard, now, ct);
        }
        if (catalogue.CapabilityTargets is { } targets)
        {
            await LoadTargetsAsync(targets, known, now, ct);
        }
        logger.LogInformation("Loaded the sample catalogue: {Count} standards", catalogue.Standards.Count);
        return true;
    }

    /// <summary>
    /// The sample capability targets of one cycle, then its tables published through the store, so the disclosure
    /// engine suppresses and audits them as for any release authority. Without a configured table design
    /// (<c>CapabilityTables:Horizons</c>) the targets are loaded and no table is published.
    /// </summary>
    private async Task LoadTargetsAsync(SeedCapabilityTargets seed, IReadOnlyDictionary<string, Audience> known, DateTimeOffset now, CancellationToken ct)
    {
        var markings = new ValidationErrors();
        markings.Classification("classification", seed.Classification);
        foreach (var table in seed.Tables)
        {
            markings.Classification("tables.classification", table.Classification);
        }
        Check(markings, $"capability targets of {seed.Cycle}");
        var classification = new TargetRequest(null, seed.Classification).Level();
        foreach (var target in seed.Targets)
        {
            var errors = new ValidationErrors();
            TargetRequest.CheckCell(errors, seed.Cycle, target.Nation, target.Horizon);
            Check(errors, $"capability target {seed.Cycle}/{target.Nation}/{target.Capability}/{target.Horizon}");
            Check(await capabilities.RecordAsync(EditorScope, new CapabilityStore.TargetContent(seed.Cycle, target.Nation, target.Capability, target.Horizon, target.Quantity, classification),
                SeederActor, now.AddDays(-3), ct));
        }
        var design = await tables.DesignAsync(seed.Cycle, ct);
        if (design.Design is null)
        {
            logger.LogInformation("No capability table design is configured: the sample cycle {Cycle} has targets and no published table", seed.Cycle);
            return;
        }
        foreach (var table in seed.Tables)
        {
            Check(await capabilities.PublishAsync(EditorScope, seed.Cycle, known[table.Audience], new PublishTableRequest(table.Classification).Level(),
                (targets, priors) => tables.Protect(design.Design, targets, priors), SeederActor, now.AddDays(-1), ct));
        }
    }

    private async Task LoadAsync(SeedStandard standard, IReadOnlyDictionary<string, Audience> known, DateTimeOffset now, CancellationToken ct)
    {
        var standardErrors = new ValidationErrors();
        new CreateStandardRequest(standard.Key, standard.Designation, standard.Category, standard.Title).Validate(standardErrors);
        Check(standardErrors, standard.Key);
        Check(await editorial.CreateStandardAsync(EditorScope, standard.Key, standard.Designation, standard.Category, standard.Title, SeederActor, now, ct));

        for (var i = 0; i < standard.Versions.Count; i++)
        {
            var version = standard.Versions[i];
            var content = new DraftRequest(version.Title, version.Summary, version.Body, version.Classification, version.Attributes)
                .Validate(standard.Category, out var errors);
            Check(errors, $"{standard.Key} edition {i + 1}");
            var edition = Check(await editorial.CreateDraftAsync(EditorScope, standard.Key, content!, SeederActor, now.AddDays(-3000), ct)).Edition;
            if (version.State == "draft")
            {
                continue;
            }

            // Published just before its first release took effect (or a while ago), in edition order.
            var versionReleases = version.Releases ?? [];
            var firstEffective = versionReleases.Select(r => r.EffectiveInDays).DefaultIfEmpty(0).Min();
            var publishedAt = now.AddDays(Math.Min(firstEffective, -10 * (standard.Versions.Count - i)) - 1);
            Check(await editorial.PublishAsync(EditorScope, standard.Key, edition, null, SeederActor, publishedAt, ct));
            foreach (var release in versionReleases)
            {
                var effective = now.AddDays(release.EffectiveInDays);
                var releasedAt = effective < now ? effective : now;
                Check(await releases.RecordAsync(standard.Key, edition, new ReleaseRow
                {
                    Audience = release.Audience,
                    Reason = release.Reason,
                    EffectiveFrom = effective.ToUnixTimeMilliseconds(),
                    ReleasedAt = releasedAt.ToUnixTimeMilliseconds(),
                    ReleasedBy = Seeder,
                    RevokedAt = release.Revoked ? now.AddDays(-1).ToUnixTimeMilliseconds() : null,
                    RevokedBy = release.Revoked ? Seeder : null,
                    RevocationReason = release.Revoked ? "Revoked in the sample catalogue." : null,
                }, SeederActor, now, ct));
            }
            foreach (var response in version.Responses ?? [])
            {
                var responseErrors = new ValidationErrors();
                var recorded = ResponseContent.Validate(responseErrors, response.Response, response.Reservation, response.IntendedImplementation,
                    response.ActualImplementation, response.ImplementingDocument, response.Classification);
                Check(responseErrors, $"{standard.Key} edition {edition} response of {response.Nation}");
                Check(await responses.RecordAsync(EditorScope, standard.Key, edition, response.Nation, recorded!, SeederActor, now.AddDays(-2), ct));
                foreach (var audience in response.ReleasedTo)
                {
                    Check(await responses.ReleaseAsync(EditorScope, standard.Key, edition, response.Nation, known[audience], "Released in the sample catalogue.", SeederActor, now.AddDays(-1), ct));
                }
            }
            if (version.State == "withdrawn")
            {
                Check(await editorial.WithdrawAsync(EditorScope, standard.Key, edition, version.WithdrawalReason ?? "Withdrawn.", null, SeederActor, now.AddDays(-5), ct));
            }
        }
    }

    private async Task RelateAsync(SeedStandard standard, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var relation in standard.Relations ?? [])
        {
            Check(await relations.RelateAsync(EditorScope, standard.Key, EnumText.Parse<RelationKind>(relation.Kind), relation.Target, SeederActor, now, ct));
        }
        foreach (var equivalent in standard.Equivalents ?? [])
        {
            var errors = new ValidationErrors();
            CivilStandards.Validate(errors, equivalent.Source, equivalent.Identifier);
            Check(errors, $"{standard.Key} equivalent {equivalent.Source} {equivalent.Identifier}");
            Check(await relations.AddEquivalentAsync(EditorScope, standard.Key, equivalent.Source, equivalent.Identifier, SeederActor, now, ct));
        }
        if (standard.Preferred is { } rationale)
        {
            Check(await relations.MarkPreferredAsync(EditorScope, standard.Key, rationale, SeederActor, now, ct));
        }
    }

    private static void Check(ValidationErrors errors, string what)
    {
        if (!errors.IsEmpty)
        {
            throw new InvalidOperationException($"The sample catalogue is invalid at {what}: {string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value))}");
        }
    }

    private static T Check<T>(Result<T> result) =>
        result.Succeeded ? result.Value! : throw new InvalidOperationException($"Loading the sample catalogue failed: {result.Outcome} {result.Problem}");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record SeedCatalogue(List<SeedStandard> Standards, SeedCapabilityTargets? CapabilityTargets);

    private sealed record SeedCapabilityTargets(string Note, int Cycle, string Classification, List<SeedTarget> Targets, List<SeedTable> Tables);

    private sealed record SeedTarget(string Nation, string Capability, int Horizon, long Quantity);

    private sealed record SeedTable(string Audience, string Classification);

    private sealed record SeedStandard(string Key, string Designation, string Category, string Title, List<SeedVersion> Versions,
        List<SeedRelation>? Relations, List<SeedEquivalent>? Equivalents, string? Preferred);

    private sealed record SeedRelation(string Kind, string Target);

    private sealed record SeedEquivalent(string Source, string Identifier);

    private sealed record SeedVersion(string Title, string Summary, string Body, string Classification, JsonObject Attributes, string State, string? WithdrawalReason, List<SeedRelease>? Releases,
        List<SeedResponse>? Responses);

    private sealed record SeedResponse(string Nation, string Response, string? Reservation, DateOnly? IntendedImplementation, DateOnly? ActualImplementation,
        string? ImplementingDocument, string Classification, List<string> ReleasedTo);

    private sealed record SeedRelease(string Audience, string Reason, int EffectiveInDays, bool Revoked);
}
