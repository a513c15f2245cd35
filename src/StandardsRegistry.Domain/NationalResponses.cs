using System.Globalization;

namespace StandardsRegistry.Domain;

/// <summary>A nation's answer to an edition, as NSDD records it (text: <see cref="EnumText"/>, e.g. <c>ratified-with-reservations</c>).</summary>
public enum ResponseKind
{
    Ratified,
    RatifiedWithReservations,
    NotRatifying,
    NoResponse,
}

/// <summary>Nations are data (the <c>nations</c> table); a code is an ISO 3166-1 alpha-3 code: three capital letters.</summary>
public static class NationCode
{
    public static bool IsValid(string? code) => code is { Length: 3 } && code.All(c => c is >= 'A' and <= 'Z');

    public const string Message = "must be an ISO 3166-1 alpha-3 nation code of three capital letters, e.g. 'FRA'.";
}

/// <summary>What a national response says: checked as one, so a client learns everything wrong with it at once.</summary>
public sealed record ResponseContent(
    ResponseKind Response,
    string? Reservation,
    DateOnly? IntendedImplementation,
    DateOnly? ActualImplementation,
    string? ImplementingDocument,
    Classification Classification)
{
    public const int ReservationLength = 4_000;
    public const int ImplementingDocumentLength = 200;

    /// <summary>Valid content, or null with <paramref name="errors"/> naming every problem.</summary>
    public static ResponseContent? Validate(ValidationErrors errors, string? response, string? reservation, DateOnly? intended, DateOnly? actual,
        string? implementingDocument, string? classification)
    {
        ResponseKind? kind = null;
        if (EnumText.TryParse<ResponseKind>(response, out var parsed))
        {
            kind = parsed;
        }
        else
        {
            errors.Add("response", EnumText.OneOf<ResponseKind>("response"));
        }

        if (kind == ResponseKind.RatifiedWithReservations)
        {
            errors.Required("reservation", reservation, ReservationLength, multiLine: true);
        }
        else if (reservation is not null)
        {
            errors.Add("reservation", "'reservation' is given only with the response 'ratified-with-reservations'.");
        }

        if (actual is not null && kind is ResponseKind.NotRatifying or ResponseKind.NoResponse)
        {
            errors.Add("actualImplementation", $"'actualImplementation' is given only for a ratified edition.");
        }
        errors.Optional("implementingDocument", implementingDocument, ImplementingDocumentLength);
        var level = errors.Classification("classification", classification);
        return errors.IsEmpty ? new ResponseContent(kind!.Value, reservation, intended, actual, implementingDocument, level!.Value) : null;
    }

    /// <summary>A date as stored and sent: ISO 8601, <c>yyyy-MM-dd</c>.</summary>
    public static string? Text(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? Date(string? text) => text is null ? null : DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
