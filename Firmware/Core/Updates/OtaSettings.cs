using System;

namespace IotDevice.Core.Updates
{
    /// <summary>Policy knobs of <see cref="OtaUpdater"/>; the defaults are the product's.</summary>
    public sealed class OtaSettings
    {
        public OtaSettings(string board, string builtVersion)
        {
            if (board == null || board.Length == 0)
                throw new ArgumentException("board is empty");
            FirmwareVersion.Parse(builtVersion); // throws for a malformed version
            Board = board;
            BuiltVersion = builtVersion;
            ChunkSize = 4096;
            CheckpointBytes = 65536;
            MaxCheckpointsPerPart = 16;
            SelfTestWindowSeconds = 90;
            ReportWindowSeconds = 15;
            RetryDelaySeconds = 5;
            MaxAttempts = 8;
            ChunksPerTick = 8;
        }

        /// <summary>The board this firmware runs on (<c>lolin32</c>): a release for another board is refused.</summary>
        public string Board { get; private set; }

        /// <summary>The version compiled into this firmware: the downgrade floor when the running pair has no rel_N record (first boot after provisioning).</summary>
        public string BuiltVersion { get; private set; }

        /// <summary>
        /// Bytes per network read / flash write, the size of the one buffer the updater allocates: a multiple of
        /// 16 (flash encryption) that divides 4096 or is a multiple of it (checkpoints fall on sector boundaries).
        /// </summary>
        public int ChunkSize { get; set; }

        /// <summary>Smallest distance between two progress checkpoints (a multiple of 4096).</summary>
        public int CheckpointBytes { get; set; }

        /// <summary>
        /// At most this many checkpoints per part (the distance grows for large parts): NVS writes and the
        /// strings they allocate stay bounded whatever the release size.
        /// </summary>
        public int MaxCheckpointsPerPart { get; set; }

        /// <summary>How long a new pair has, after its first boot, to reach the primary broker and publish its status.</summary>
        public int SelfTestWindowSeconds { get; set; }

        /// <summary>How long the updater waits for a status publish ("accepted", "rebooting") before going on without it.</summary>
        public int ReportWindowSeconds { get; set; }

        /// <summary>Wait before retrying after a dropped connection.</summary>
        public int RetryDelaySeconds { get; set; }

        /// <summary>Consecutive failed downloads (no byte of progress in between) before the update is abandoned.</summary>
        public int MaxAttempts { get; set; }

        /// <summary>Chunks processed per <see cref="OtaUpdater.Tick"/> (bounds the time one Tick takes).</summary>
        public int ChunksPerTick { get; set; }

        internal void Validate()
        {
            if (ChunkSize < 256 || ChunkSize % 16 != 0 || (4096 % ChunkSize != 0 && ChunkSize % 4096 != 0))
                throw new ArgumentException("ChunkSize must be a multiple of 16, at least 256, dividing 4096 or a multiple of it");
            if (CheckpointBytes < 4096 || CheckpointBytes % 4096 != 0 || CheckpointBytes % ChunkSize != 0)
                throw new ArgumentException("CheckpointBytes must be a multiple of 4096 and of ChunkSize");
            if (MaxCheckpointsPerPart < 1 || SelfTestWindowSeconds < 1 || ReportWindowSeconds < 0 || RetryDelaySeconds < 0 || MaxAttempts < 1 || ChunksPerTick < 1)
                throw new ArgumentException("OTA settings out of range");
        }
    }
}
