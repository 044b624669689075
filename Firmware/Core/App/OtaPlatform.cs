using System;
using IotDevice.Core.Platform;

namespace IotDevice.Core.App
{
    /// <summary>
    /// The platform side of over-the-air updates, handed to <see cref="DeviceApplication"/>: HTTPS range
    /// downloads (pinned root), the inactive ota_N writer (esp_ota_*), the deploy_N partitions and the
    /// bootloader's slot state (otadata, eFuse secure_version). The board name is the one releases must name.
    /// </summary>
    public sealed class OtaPlatform
    {
        public const string DefaultBoard = "lolin32";

        public OtaPlatform(IRangeDownloader downloader, IOtaSlotWriter appSlots, IDeploySlots deploySlots, IOtaSlots slots)
            : this(downloader, appSlots, deploySlots, slots, DefaultBoard)
        {
        }

        public OtaPlatform(IRangeDownloader downloader, IOtaSlotWriter appSlots, IDeploySlots deploySlots, IOtaSlots slots, string board)
        {
            if (downloader == null || appSlots == null || deploySlots == null || slots == null || board == null || board.Length == 0)
                throw new ArgumentNullException("downloader", "every OTA platform dependency is required");
            Downloader = downloader;
            AppSlots = appSlots;
            DeploySlots = deploySlots;
            Slots = slots;
            Board = board;
        }

        public IRangeDownloader Downloader { get; private set; }

        public IOtaSlotWriter AppSlots { get; private set; }

        public IDeploySlots DeploySlots { get; private set; }

        public IOtaSlots Slots { get; private set; }

        public string Board { get; private set; }
    }
}
