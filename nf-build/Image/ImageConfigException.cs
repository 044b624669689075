namespace NfBuild.Image;

/// <summary>An image configuration that cannot be built (e.g. secure boot v2 on pre-v3.0 silicon).</summary>
public sealed class ImageConfigException(string message) : Exception(message);
