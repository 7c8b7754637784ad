-- iPhones register their PushKit VoIP token as a device of its own kind,
-- `ios_voip`: incoming calls reach it through APNs, nothing else does.
ALTER TABLE devices DROP CONSTRAINT devices_platform_check;
ALTER TABLE devices ADD CONSTRAINT devices_platform_check
    CHECK (platform IN ('android', 'ios', 'ios_voip'));
