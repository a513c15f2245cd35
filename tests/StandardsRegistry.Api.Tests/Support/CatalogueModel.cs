using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests.Support;

// The no-leak suite's support, in four files: this model of everything a generated catalogue holds;
// CatalogueGenerator.cs, which builds the catalogue through the HTTP API from a seed while recording it here;
// CatalogueOracle.cs, the domain's ReleaseRule over the model with the representation every consumer route should
// answer; and CatalogueCrawler.cs, which asks every route as one principal and pairs each answer with the oracle's.

/// <summary>One release record as the test made it.</summary>
public sealed class ModelRelease(string audience, DateTimeOffset effectiveFrom, DateTimeOffset releasedAt)
{
    public string Audience { get; } = audience;

    public DateTimeOffset EffectiveFrom { get; } = effectiveFrom;

    public DateTimeOffset ReleasedAt { get; } = releasedAt;

    public DateTimeOffset? RevokedAt { get; set; }

    public ReleaseFacts Facts => new(Audience, EffectiveFrom, RevokedAt);
}

/// <summary>One edition as the test made it. Title, summary, body and withdrawal reason all carry the edition's unique token.</summary>
public sealed class ModelVersion
{
    public required ModelStandard Standard { get; init; }

    public required int Edition { get; init; }

    public required string Token { get; init; }

    public required string Title { get; init; }

    public required string Summary { get; init; }

    public required string Body { get; init; }

    public required JsonObject Attributes { get; init; }

    public required Classification Classification { get; init; }

    public VersionStatus Status { get; set; } = VersionStatus.Draft;

    public DateTimeOffset? PublishedAt { get; set; }

    public DateTimeOffset? WithdrawnAt { get; set; }

    public string? WithdrawalReason { get; set; }

    public List<ModelRelease> Releases { get; } = [];

    public string Key => Standard.Key;

    public override string ToString() =>
        $"{Key}/{Edition} ({Classification}, {EnumText.Of(Status)}, releases: {(Releases.Count == 0 ? "none" : string.Join("; ", Releases.Select(r => $"{r.Audience} from {r.EffectiveFrom:O}{(r.RevokedAt is null ? "" : " revoked")}")))})";
}

public sealed class ModelStandard
{
    public required string Key { get; init; }

    public required string Designation { get; init; }

    public required string Category { get; init; }

    public required string Title { get; init; }

    public required string Token { get; init; }

    public List<ModelVersion> Versions { get; } = [];
}

/// <summary>An edge between two standards as the test recorded it; <see cref="Order"/> is the order of recording (the relation's id).</summary>
public sealed record ModelRelation(string Kind, ModelStandard From, ModelStandard To, int Order)
{
    public override string ToString() => $"{From.Key} {Kind} {To.Key}";
}

/// <summary>A civil equivalent of a standard.</summary>
public sealed record ModelEquivalent(ModelStandard Standard, string Source, string Identifier);

/// <summary>One row of a category's preferred-mark history: a mark (with its rationale) or an unmark (no rationale).</summary>
public sealed record ModelMark(ModelStandard Standard, string? Rationale)
{
    public bool IsMark => Rationale is not null;
}

public sealed class CatalogueModel(int seed)
{
    /// <summary>The edges in force, in the order recorded (a removed edge is gone; recorded again, it is recorded last).</summary>
    public List<ModelRelation> Relations { get; } = [];

    public List<ModelEquivalent> Equivalents { get; } = [];

    /// <summary>Every row of every category's preferred-mark history, oldest first.</summary>
    public List<ModelMark> Marks { get; } = [];

    /// <summary>Edges and equivalents removed after they were recorded.</summary>
    public int RemovedRelations { get; set; }

    public int Seed => seed;

    public List<ModelStandard> Standards { get; } = [];

    public IEnumerable<ModelVersion> Versions => Standards.SelectMany(s => s.Versions);

    /// <summary>
    /// Releases above NU the API refused to PUBLIC and above NR to INDUSTRY (422: the audiences' ceilings), and releases
    /// of drafts or withdrawn editions it refused (409).
    /// </summary>
    public int RefusedPublicReleases { get; set; }

    public int RefusedIndustryReleases { get; set; }

    public int RefusedUnreleasableReleases { get; set; }

    public int WriteRequests { get; set; }
}
