using Esp32.Formats.Nvs;
using IotDevice.Core.Platform;

namespace NfBuild.VirtualDevice;

/// <summary>
/// <see cref="ISecureStore"/> over the virtual ESP32's mounted NVS (<see cref="Esp32.Virtual.VirtualEsp32.MountNvs"/>,
/// with NVS encryption when the device has it): the same nvs_open / nvs_get_* / nvs_set_* / nvs_commit
/// calls the device adapter makes. ESP-IDF v5.5 writes every set to flash before returning (nvs_commit is
/// a no-op), so a value is durable when the call returns and a power cut during it leaves the old value.
/// Calls are serialised: MQTT callbacks may arrive on other threads than the main loop.
/// </summary>
public sealed class VirtualNvsSecureStore(NvsStorage storage) : ISecureStore
{
    private readonly object _gate = new();

    public NvsStorage Storage { get; } = storage;

    public byte[]? GetBlob(string nameSpace, string key)
    {
        lock (_gate)
            return Read(nameSpace, key, NvsItemType.BlobData, h => h.GetBlob(key));
    }

    public string? GetString(string nameSpace, string key)
    {
        lock (_gate)
            return Read(nameSpace, key, NvsItemType.String, h => h.GetString(key));
    }

    public void SetBlob(string nameSpace, string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            var handle = Storage.OpenHandle(nameSpace, readWrite: true);
            handle.SetBlob(key, value);
            handle.Commit();
        }
    }

    public void SetString(string nameSpace, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            var handle = Storage.OpenHandle(nameSpace, readWrite: true);
            handle.SetString(key, value);
            handle.Commit();
        }
    }

    public bool Erase(string nameSpace, string key)
    {
        lock (_gate)
        {
            NvsHandle handle;
            try
            {
                handle = Storage.OpenHandle(nameSpace, readWrite: true);
            }
            catch (NvsException e) when (e.Error == NvsError.NotFound)
            {
                return false;
            }
            if (handle.FindKey(key) is null)
                return false;
            handle.EraseKey(key);
            handle.Commit();
            return true;
        }
    }

    private T? Read<T>(string nameSpace, string key, NvsItemType type, Func<NvsHandle, T> get) where T : class
    {
        NvsHandle handle;
        try
        {
            handle = Storage.OpenHandle(nameSpace, readWrite: false);
        }
        catch (NvsException e) when (e.Error == NvsError.NotFound)
        {
            return null; // namespace never written
        }
        NvsItemType? stored = handle.FindKey(key);
        if (stored is null)
            return null;
        if (stored != type)
            throw new NvsException(NvsError.TypeMismatch, $"{nameSpace}/{key} holds {stored}, not {type}");
        return get(handle);
    }
}
