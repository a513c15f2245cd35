using StandardsRegistry.Api.Http;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// What the one validation filter tells a client whose typed query value did not parse: said from the property's type,
/// so a future date, number or enum parameter is never described as "a whole number" (the HTTP-level cases — limit=x,
/// full=maybe — are in BadInputTests and AuditTests).
/// </summary>
public sealed class RequestValidationTests
{
    private enum Shape { Round, Square }

    [Theory]
    [InlineData(typeof(int?), "a whole number")]
    [InlineData(typeof(long), "a whole number")]
    [InlineData(typeof(ushort?), "a whole number")]
    [InlineData(typeof(bool?), "true or false")]
    [InlineData(typeof(decimal?), "a number")]
    [InlineData(typeof(double), "a number")]
    [InlineData(typeof(DateTimeOffset?), "a date and time")]
    [InlineData(typeof(DateTime), "a date and time")]
    [InlineData(typeof(Guid?), "a UUID")]
    [InlineData(typeof(Shape?), "one of Round, Square")]
    public void ATypedQueryValueThatDoesNotParseIsDescribedByItsType(Type type, string expected) =>
        Assert.Equal(expected, RequestValidation.Expectation(type));

    /// <summary>A type it cannot describe has no description: building the endpoints then fails with a line naming the property.</summary>
    [Theory]
    [InlineData(typeof(TimeSpan?))]
    [InlineData(typeof(Uri))]
    public void ATypeItCannotDescribeIsRefusedRatherThanMisdescribed(Type type) =>
        Assert.Null(RequestValidation.Expectation(type));
}
