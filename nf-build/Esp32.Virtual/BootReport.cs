using Esp32.Formats.Ota;

namespace Esp32.Virtual;

/// <summary>What one boot did: first-boot encryption, the bootloader's slot decision, the app that runs.</summary>
/// <param name="EncryptedOnThisBoot">The bootloader found flash encryption configured but not yet enabled, encrypted the flash and burned the eFuses.</param>
/// <param name="Decision">The otadata decision (selected slot, booted slot, otadata writes, secure-version updates).</param>
/// <param name="RunningSlot">The OTA slot now running, or null when no app could be loaded (the chip would reset forever).</param>
/// <param name="RunningVersion">esp_app_desc_t.version of the running app.</param>
public sealed record BootReport(bool EncryptedOnThisBoot, OtaBootDecision Decision, AppSlot? RunningSlot, string? RunningVersion);
