using System.Text.Json;

namespace TurboDiffusion.Client.Models;

/// <summary>A JSON value that is none of an enum's wire names; the message names the value and the names to use instead.</summary>
public sealed class WireValueException(string message) : JsonException(message);
