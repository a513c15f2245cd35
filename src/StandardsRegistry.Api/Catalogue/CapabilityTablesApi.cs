using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Disclosure;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>
/// Capability targets and the aggregate tables published from them (docs/disclosure.md). Raw targets and
/// previews are NATO's alone: every other principal gets the standard 404 (<see cref="Problems.NotFound"/>) from every
/// target route, whatever exists. Planners record targets; release authorities publish a cycle's table to an audience
/// (the disclosure engine decides the suppression and audits it against everything published to that audience) and
/// revoke it; readers read the tables published to their audience, as JSON or CSV.
/// </summary>
public static class CapabilityTablesApi
{
    public static void MapCapabilityTablesApi(this IEndpointRouteBuilder app)
    {
        var targets = app.MapGroup("/v1/capability-targets")
            .WithTags("Capability targets")
            .WithRegistryProblems()
            .WithRequestValidation()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        targets.MapGet("/{cycle}", ListTargets)
            .WithName("ListCapabilityTargets")
            .Audited(AuditActions.TargetRead, contentRead: true)
            .WithSummary("A cycle's current capability targets within the caller's clearance (NATO only: the standard 404 to anyone else)");

        targets.MapGet("/{cycle}/preview", PreviewTable)
            .WithName("PreviewCapabilityTable")
            .Audited(AuditActions.TargetRead, contentRead: true)
            .WithSummary("The suppression pattern and information loss of a cycle's table, optionally against an audience's earlier tables (NATO callers cleared for every target of the cycle)")
            .ProducesProblem(StatusCodes.Status409Conflict);

        targets.MapPut("/{cycle}/{nation}/{capability}/{horizon}", RecordTarget)
            .WithName("RecordCapabilityTarget")
            .Audited(AuditActions.TargetRecord)
            .WithSummary("Record a nation's target for a capability and horizon year as a new entry of its history (planners)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.PlannerPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        var tables = app.MapGroup("/v1/capability-tables")
            .WithTags("Capability tables")
            .WithRegistryProblems()
            .WithRequestValidation()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        tables.MapGet("/", ListTables)
            .WithName("ListCapabilityTables")
            .Audited(AuditActions.TableRead, contentRead: true)
            .WithSummary("The capability tables published to the caller's audience (NATO: every table, revoked ones included)");

        tables.MapGet("/{cycle}/{audience}", GetTable)
            .WithName("GetCapabilityTable")
            .Audited(AuditActions.TableRead, contentRead: true)
            .WithSummary("A published capability table; suppressed cells are marked, not omitted. JSON, or CSV with ?format=csv")
            .WithLabelHeaders("table", "`?format=csv` answers RFC 4180 CSV with the header `row,column,value,suppressed`; a suppressed cell has an empty value and `true`.");

        tables.MapGet("/{cycle}/{audience}/label", GetTableLabel)
            .WithName("GetCapabilityTableLabel")
            .Audited(AuditActions.LabelRead, contentRead: true)
            .WithSummary("Get the STANAG 4774 confidentiality label of a published capability table; it exists exactly when the table may be read")
            .WithDescription("`Accept: application/xml` (default) or `application/json`, as for an edition's label; anything else is 406. "
                + "`Releasable To` names the table's audience while the table is active (a revoked table, which only NATO reads, has none).")
            .ProducesProblem(StatusCodes.Status406NotAcceptable);

        tables.MapPut("/{cycle}/{audience}", PublishTable)
            .WithName("PublishCapabilityTable")
            .Audited(AuditActions.TablePublish)
            .WithSummary("Publish a cycle's table to an audience once the disclosure audit passes it (release authorities)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReleaseAuthorityPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        tables.MapDelete("/{cycle}/{audience}", RevokeTable)
            .WithName("RevokeCapabilityTable")
            .Audited(AuditActions.TableRevoke)
            .WithSummary("Revoke a published table; the record stays, and stays known to later audits (release authorities)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReleaseAuthorityPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    public static async Task<Results<Ok<IReadOnlyList<TargetDto>>, ProblemHttpResult>> ListTargets(
        int cycle, Caller caller, CapabilityStore store, HttpContext http, CancellationToken ct)
    {
        if (!caller.Principal.IsNato)
        {
            return Problems.NotFound();
        }
        var rows = await store.CurrentAsync(caller.Scope, cycle, ct);
        var audit = http.Audit();
        // Which targets were given: the cycle's current ones the caller's view (clearance, and nation) holds, and how many.
        audit.Detail = string.Create(CultureInfo.InvariantCulture, $"cycle={cycle} view {FeedApi.FeedName(caller.Scope)}: {rows.Count} targets");
        audit.ServedHighest(rows, t => t.Classification);
        // The answer first, as ETags.WriteAsync has its bytes before it releases them: should it fail, the entry says so, not 200.
        IReadOnlyList<TargetDto> answer = [.. rows.Select(TargetDto.From)];
        // Record, then release, before the result is written: when the trail cannot be written this throws, and the caller
        // gets the 503 problem (left to the response's start, the failure could only abort the response).
        await AuditRecording.ReleaseAsync(http);
        return TypedResults.Ok(answer);
    }

    public static async Task<Results<Ok<PreviewDto>, ProblemHttpResult>> PreviewTable(
        int cycle, string? audience, Caller caller, CapabilityStore store, AudienceCache audiences, CapabilityTables tables, HttpContext http, CancellationToken ct)
    {
        if (!caller.Principal.IsNato)
        {
            return Problems.NotFound();
        }
        if (audience is not null && await audiences.FindAsync(audience, ct) is null)
        {
            return Problems.NoSuchAudience(audience);
        }
        var inputs = await store.PreviewInputsAsync(cycle, audience, caller.Scope, ct);
        if (inputs is not { Succeeded: true, Value: var (targets, priors) })
        {
            return Problems.From(inputs);
        }
        var design = await tables.DesignAsync(cycle, ct);
        if (design.Problem is { } problem)
        {
            return problem;
        }
        var audit = http.Audit();
        audit.Detail = $"cycle={cycle} audience={audience ?? "-"}";
        // The preview's true cells are sums of every target of the cycle (all within the caller's clearance here).
        audit.ServedHighest(targets, t => t.Classification);
        var answer = PreviewDto.From(cycle, audience, tables.Protect(design.Design!, targets, priors));
        // Record, then release, as for the raw targets: the answer built first.
        await AuditRecording.ReleaseAsync(http);
        return TypedResults.Ok(answer);
    }

    public static async Task<Results<Created<TargetDto>, Ok<TargetDto>, ProblemHttpResult>> RecordTarget(
        int cycle, string nation, string capability, int horizon, TargetRequest request, Caller caller, CapabilityStore store, HttpContext http, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        TargetRequest.CheckCell(errors, cycle, nation, horizon);
        if (!errors.IsEmpty)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary()) { Status = StatusCodes.Status400BadRequest });
        }
        // A nation's target is not another nation's to record, nor to learn of by recording it (201 where it had none, the
        // nation's own row where the guess was right): decided from the principal and the URL alone.
        if (caller.SpeaksForAnotherNation(nation, out var own))
        {
            return Problems.Status(StatusCodes.Status403Forbidden, $"A planner speaking for a nation records its own nation's targets only ({own}).");
        }
        var classification = request.Level();
        if (classification > caller.Scope.MaxLevel)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, $"You may not mark a target above your clearance ({caller.Scope.MaxLevel}).");
        }
        var result = await store.RecordAsync(caller.Scope, new CapabilityStore.TargetContent(cycle, nation, capability, horizon, request.Quantity!.Value, classification),
            caller.Actor, caller.Now, ct);
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        var dto = TargetDto.From(result.Value!);
        return result.Outcome == Outcome.Created
            ? TypedResults.Created($"/v1/capability-targets/{cycle}", dto)
            : TypedResults.Ok(dto);
    }

    public static async Task<Results<Created<TableDto>, ProblemHttpResult>> PublishTable(
        int cycle, string audience, PublishTableRequest request, Caller caller, CapabilityStore store, AudienceCache audiences, CapabilityTables tables, HttpContext http, CancellationToken ct)
    {
        if (await audiences.FindAsync(audience, ct) is not { } target)
        {
            return Problems.NoSuchAudience(audience);
        }
        var classification = request.Level();
        if (classification > caller.Scope.MaxLevel)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, $"You may not mark a table above your clearance ({caller.Scope.MaxLevel}).");
        }
        if (classification > target.MaxClassification)
        {
            return Problems.Status(StatusCodes.Status422UnprocessableEntity, AudienceDirectory.AccreditedOnly(audience, target.MaxClassification));
        }
        var design = await tables.DesignAsync(cycle, ct);
        if (design.Problem is { } problem)
        {
            return problem;
        }
        var result = await store.PublishAsync(caller.Scope, cycle, target, classification,
            (targets, priors) => tables.Protect(design.Design!, targets, priors), caller.Actor, caller.Now, ct);
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        return TypedResults.Created(TablePath(cycle, audience), TableDto.From(result.Value!, caller));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeTable(
        int cycle, string audience, Caller caller, CapabilityStore store, AudienceCache audiences, HttpContext http, CancellationToken ct)
    {
        if (await audiences.FindAsync(audience, ct) is null)
        {
            return Problems.NoSuchAudience(audience);
        }
        var result = await store.RevokeAsync(caller.Scope, cycle, audience, caller.Actor, caller.Now, ct);
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        return TypedResults.NoContent();
    }

    public static async Task<ETagged<IReadOnlyList<TableSummaryDto>>> ListTables(Caller caller, CapabilityStore store, HttpContext http, CancellationToken ct)
    {
        var rows = await store.TablesAsync(caller.Scope, ct);
        // Which tables were listed: those the caller's view holds now, and how many. Each is named with its marking: the
        // entry carries the highest of them.
        var audit = http.Audit();
        audit.Detail = string.Create(CultureInfo.InvariantCulture, $"view {FeedApi.FeedName(caller.Scope)}: {rows.Count} tables");
        audit.ServedHighest(rows, r => r.Classification);
        return new ETagged<IReadOnlyList<TableSummaryDto>>(rows.Select(r => TableSummaryDto.From(r, caller)).ToList());
    }

    public static async Task<Results<TableResult, ProblemHttpResult>> GetTable(
        int cycle, string audience, string? format, Caller caller, CapabilityStore store, HttpContext http, CancellationToken ct)
    {
        if (format is not null and not ("json" or "csv"))
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["format"] = ["'format' must be json or csv."] })
            {
                Status = StatusCodes.Status400BadRequest,
            });
        }
        if (await store.TableAsync(caller.Scope, cycle, audience, ct) is not { } table)
        {
            return Problems.NotFound();
        }
        AuditServed(http, table.Table);
        // Marked in the headers as an edition is, JSON and CSV alike: the CSV has no field for it.
        ConfidentialityLabels.AddHeaders(http.Response, TablePath(table.Table.Cycle, table.Table.Audience) + "/label", MarkingDto.For(table.Table.Classification, caller.Scope.Scheme));
        return new TableResult(table, TableDto.From(table, caller), format == "csv");
    }

    /// <summary>
    /// The label of a table the caller may read (the same store read as <see cref="GetTable"/>, so it exists exactly when
    /// the table does for this caller). Acceptability is decided first, so a hidden table and one never published answer
    /// alike whatever is asked for.
    /// </summary>
    public static async Task<Results<LabelResult, ProblemHttpResult>> GetTableLabel(
        int cycle, string audience, Caller caller, CapabilityStore store, HttpContext http, CancellationToken ct)
    {
        if (LabelResult.Negotiate(http.Request.Headers.Accept) is not { } format)
        {
            return Problems.Status(StatusCodes.Status406NotAcceptable, LabelResult.NotAcceptableDetail);
        }
        if (await store.TableAsync(caller.Scope, cycle, audience, ct) is not { Table: var table })
        {
            return Problems.NotFound();
        }
        AuditServed(http, table);
        // A table is released to its one audience: a reader outside NATO reads only its own audience's active tables.
        IReadOnlyList<string> releasedTo = table.RevokedAt is null ? [table.Audience] : [];
        return new LabelResult(ConfidentialityLabels.For(TablePath(table.Cycle, table.Audience), table.Classification,
            DateTimeOffset.FromUnixTimeMilliseconds(table.PublishedAt), releasedTo, caller.Scope), format);
    }

    public static string TablePath(int cycle, string audience) => string.Create(CultureInfo.InvariantCulture, $"/v1/capability-tables/{cycle}/{audience}");

    /// <summary>The table served (or its label): which one, and the marking it is served with.</summary>
    private static void AuditServed(HttpContext http, TableRow table)
    {
        var audit = http.Audit();
        audit.Detail = string.Create(CultureInfo.InvariantCulture, $"cycle={table.Cycle} audience={table.Audience}");
        audit.Served(table.Classification);
    }
}

/// <summary>
/// The table design (<c>CapabilityTables</c> section), checked when the service starts: the sensitivity rules' n and p
/// (confidential: never in any response or message) and which capabilities and horizon years a cycle's table covers.
/// </summary>
public sealed class CapabilityTableOptions : IValidatableObject
{
    public const string Section = "CapabilityTables";

    /// <summary>The threshold rule's n: a cell with fewer contributing nations is sensitive.</summary>
    [Range(1, 1000)]
    public int MinContributors { get; set; } = 3;

    /// <summary>The p% rule's p.</summary>
    [Range(0.01, 100)]
    public double PPercent { get; set; } = 10;

    /// <summary>The capability codes a table covers, in the catalogue's order; empty: the whole catalogue.</summary>
    public List<string> Capabilities { get; set; } = [];

    /// <summary>The horizon years a table covers; empty: no table can be previewed or published.</summary>
    public List<int> Horizons { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Horizons.Any(h => h is < CapabilityTargetRules.FirstYear or > CapabilityTargetRules.LastYear) || Horizons.Distinct().Count() != Horizons.Count)
        {
            yield return new ValidationResult($"{Section}:Horizons must be distinct years from {CapabilityTargetRules.FirstYear} to {CapabilityTargetRules.LastYear}.", [nameof(Horizons)]);
        }
        if (Capabilities.Any(string.IsNullOrWhiteSpace) || Capabilities.Distinct(StringComparer.Ordinal).Count() != Capabilities.Count)
        {
            yield return new ValidationResult($"{Section}:Capabilities must be distinct capability codes.", [nameof(Capabilities)]);
        }
    }
}

public static class CapabilityTablesServiceCollectionExtensions
{
    /// <summary>The table design's options (checked at start) and the engine configured with them.</summary>
    public static IServiceCollection AddCapabilityTables(this IServiceCollection services)
    {
        services.AddValidatedOptions<CapabilityTableOptions>(CapabilityTableOptions.Section)
            // The configuration binder skips a list item it cannot convert (Horizons:1=abc): the table would quietly
            // cover fewer years. Every configured horizon must have been read as a year.
            .Validate<IConfiguration>(
                (o, configuration) => configuration.GetSection($"{CapabilityTableOptions.Section}:{nameof(CapabilityTableOptions.Horizons)}").GetChildren().Count() == o.Horizons.Count,
                $"{CapabilityTableOptions.Section}:Horizons must be distinct years from {CapabilityTargetRules.FirstYear} to {CapabilityTargetRules.LastYear}; one of them is not a number.");
        services.AddSingleton<CapabilityTables>();
        return services;
    }
}

/// <summary>The configured design, made concrete from the capability catalogue, and the engine with the configured rules.</summary>
public sealed class CapabilityTables(IOptions<CapabilityTableOptions> options, CapabilityStore store)
{
    private readonly DisclosureEngine _engine = new(new DisclosureRules(options.Value.MinContributors, options.Value.PPercent));

    /// <summary>The design of <paramref name="cycle"/>'s table, or the problem saying why there is none (a configuration fault).</summary>
    public async Task<(TableDesign? Design, ProblemHttpResult? Problem)> DesignAsync(int cycle, CancellationToken ct)
    {
        var configured = options.Value;
        if (configured.Horizons.Count == 0)
        {
            return (null, Problems.Status(StatusCodes.Status409Conflict, "No capability table design is configured."));
        }
        var catalogue = await store.CapabilitiesAsync(ct);
        if (configured.Capabilities.FirstOrDefault(code => catalogue.All(c => c.Code != code)) is { } unknown)
        {
            return (null, Problems.Status(StatusCodes.Status409Conflict, $"The configured table design names capability '{unknown}', which is not in the catalogue."));
        }
        var covered = catalogue.Where(c => configured.Capabilities.Count == 0 || configured.Capabilities.Contains(c.Code)).Select(c => new Capability(c.Code, c.Unit, c.CapabilityGroup));
        return (new TableDesign(cycle.ToString(CultureInfo.InvariantCulture), [.. covered], [.. configured.Horizons.Order()]), null);
    }

    public ProtectedTable Protect(TableDesign design, IReadOnlyList<TargetRow> targets, IReadOnlyList<PriorRelease> priors) =>
        _engine.Protect(design, CapabilityStore.Contributions(targets, design), priors);
}

/// <summary>A capability target as NATO reads it.</summary>
public sealed record TargetDto(int Cycle, string Nation, string Capability, int Horizon, long Quantity, string Classification, string Marking, DateTimeOffset RecordedAt, string RecordedBy)
{
    public static TargetDto From(TargetRow row) => new(row.Cycle, row.Nation, row.Capability, row.Horizon, row.Quantity, row.Classification.ToString(),
        Markings.Of(row.Classification).NatoMarking, DateTimeOffset.FromUnixTimeMilliseconds(row.RecordedAt), row.RecordedBy);
}

/// <summary>A target's quantity and marking. The cycle, nation, capability and horizon are in the URL.</summary>
public sealed record TargetRequest(long? Quantity, string? Classification) : IValidatable
{
    public void Validate(ValidationErrors errors, Caller caller)
    {
        if (Quantity is not { } quantity || !CapabilityTargetRules.InRange(quantity))
        {
            errors.Add("quantity", $"'quantity' is required: a whole number from 0 to {CapabilityTargetRules.MaxQuantity}.");
        }
        errors.Classification("classification", Classification);
    }

    /// <summary>The marking (valid once <see cref="Validate"/> found nothing wrong).</summary>
    public Classification Level() => Markings.TryParse(Classification, out var level) ? level : throw new InvalidOperationException("The marking was not validated.");

    public static void CheckCell(ValidationErrors errors, int cycle, string nation, int horizon)
    {
        if (cycle is < CapabilityTargetRules.FirstYear or > CapabilityTargetRules.LastYear)
        {
            errors.Add("cycle", $"'cycle' must be a year from {CapabilityTargetRules.FirstYear} to {CapabilityTargetRules.LastYear}.");
        }
        if (horizon < cycle || horizon > CapabilityTargetRules.LastYear)
        {
            errors.Add("horizon", $"'horizon' must be a year from the cycle's to {CapabilityTargetRules.LastYear}.");
        }
        if (!NationCode.IsValid(nation))
        {
            errors.Add("nation", $"'nation' {NationCode.Message}");
        }
    }
}

/// <summary>The marking a published table carries (at most the audience's accreditation).</summary>
public sealed record PublishTableRequest(string? Classification) : IValidatable
{
    public void Validate(ValidationErrors errors, Caller caller) => errors.Classification("classification", Classification);

    public Classification Level() => Markings.TryParse(Classification, out var level) ? level : throw new InvalidOperationException("The marking was not validated.");
}

/// <summary>A cell of a preview: its true value and why it is suppressed (<c>published</c>, <c>primary</c>, <c>secondary</c>).</summary>
public sealed record PreviewCellDto(string Row, string Column, long Value, string Status);

/// <summary>A table's preview: its pattern, information loss, and whether the audit would let it be published.</summary>
public sealed record PreviewDto(int Cycle, string? Audience, bool Releasable, string? Refusal, int Cells, int SuppressedCells, double SuppressedCellShare,
    double SuppressedValueShare, IReadOnlyList<DesignCapabilityDto> Capabilities, IReadOnlyList<int> Horizons, IReadOnlyList<PreviewCellDto> Rows)
{
    public static PreviewDto From(int cycle, string? audience, ProtectedTable table) => new(cycle, audience, table.Releasable, table.RefusalReason,
        table.Loss.Cells, table.Loss.SuppressedCells, table.Loss.CellShare, table.Loss.ValueShare,
        DesignCapabilityDto.Of(table.Design), table.Design.Horizons,
        [.. table.Cells.Select(c => new PreviewCellDto(c.Key.Row, c.Key.Column, c.Value, c.Status.ToString().ToLowerInvariant()))]);
}

/// <summary>A capability of a table's design.</summary>
public sealed record DesignCapabilityDto(string Code, string Unit, string Group)
{
    public static IReadOnlyList<DesignCapabilityDto> Of(TableDesign design) => [.. design.Capabilities.Select(c => new DesignCapabilityDto(c.Code, c.Unit, c.Group))];
}

/// <summary>A published table in a list. <c>state</c> is <c>active</c> or <c>revoked</c> (revoked ones: NATO only).</summary>
public sealed record TableSummaryDto(string Id, int Cycle, string Audience, string State, string Classification, string Marking, string? EquivalentMarking, DateTimeOffset PublishedAt)
{
    public static TableSummaryDto From(TableRow row, Caller caller) => From(row, caller.Scope);

    public static TableSummaryDto From(TableRow row, VisibilityScope scope)
    {
        var marking = MarkingDto.For(row.Classification, scope.Scheme);
        return new(row.PublicId, row.Cycle, row.Audience, row.RevokedAt is null ? "active" : "revoked", marking.Classification, marking.Marking, marking.EquivalentMarking,
            DateTimeOffset.FromUnixTimeMilliseconds(row.PublishedAt));
    }
}

/// <summary>A cell as published: <c>value</c> is null and <c>suppressed</c> true where the cell is suppressed.</summary>
public sealed record TableCellDto(string Row, string Column, long? Value, bool Suppressed);

/// <summary>
/// A published table: <c>id</c> is its opaque identity (random; feed events name it in their <c>ref</c>). Who published
/// it is told to NATO callers only.
/// </summary>
public sealed record TableDto(string Id, int Cycle, string Audience, string State, string Classification, string Marking, string? EquivalentMarking, DateTimeOffset PublishedAt,
    string? PublishedBy, IReadOnlyList<DesignCapabilityDto> Capabilities, IReadOnlyList<int> Horizons, IReadOnlyList<TableCellDto> Cells)
{
    public static TableDto From(PublishedTableRecord record, Caller caller) => From(record, caller.Scope);

    /// <summary>As <paramref name="scope"/> sees it: NATO callers (originators) are told who published it.</summary>
    public static TableDto From(PublishedTableRecord record, VisibilityScope scope)
    {
        var summary = TableSummaryDto.From(record.Table, scope);
        var design = CapabilityStore.DesignOf(record.Table);
        return new(summary.Id, summary.Cycle, summary.Audience, summary.State, summary.Classification, summary.Marking, summary.EquivalentMarking, summary.PublishedAt,
            scope.Originator ? record.Table.PublishedBy : null, DesignCapabilityDto.Of(design), design.Horizons,
            [.. record.Cells.Select(c => new TableCellDto(c.RowKey, c.ColumnKey, c.Value, c.Value is null))]);
    }
}

/// <summary>
/// A published table as JSON, or as CSV (RFC 4180, header line first): <c>row,column,value,suppressed</c>; a suppressed
/// cell has an empty value and <c>true</c>. A strong ETag either way.
/// </summary>
public sealed class TableResult(PublishedTableRecord table, TableDto dto, bool csv) : IResult, Microsoft.AspNetCore.Http.Metadata.IEndpointMetadataProvider
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (!csv)
        {
            return new ETagged<TableDto>(dto).ExecuteAsync(httpContext);
        }
        var text = new StringBuilder("row,column,value,suppressed\r\n");
        foreach (var cell in table.Cells)
        {
            text.Append(Field(cell.RowKey)).Append(',').Append(Field(cell.ColumnKey)).Append(',')
                .Append(cell.Value?.ToString(CultureInfo.InvariantCulture)).Append(',').Append(cell.Value is null ? "true" : "false").Append("\r\n");
        }
        return ETags.WriteAsync(httpContext, Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", Microsoft.Net.Http.Headers.HeaderNames.Authorization);
    }

    private static string Field(string value) => value.IndexOfAny([',', '"', '\r', '\n']) < 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new Microsoft.AspNetCore.Http.ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TableDto), ["application/json", "text/csv"]));
        builder.Metadata.Add(new Microsoft.AspNetCore.Http.ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
        builder.Metadata.Add(ETags.Sent);
    }
}
