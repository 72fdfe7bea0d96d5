namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// For the last arm of a switch that maps one layer's enum onto another's (API and farm, farm and engine): every member
/// has its own arm, so this arm is reached only by a member added without a mapping, or by a number that is no member.
/// </summary>
public static class EnumMapping
{
    public static ArgumentOutOfRangeException Unmapped<TFrom, TTo>(TFrom value)
        where TFrom : struct, Enum
        where TTo : struct, Enum =>
        new(nameof(value), value, $"{typeof(TFrom).FullName} value '{value}' has no {typeof(TTo).FullName}; map it where the two meet.");
}
