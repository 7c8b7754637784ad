-- Which service sends a queued push: FCM (Android, and iOS alerts through
-- Firebase) or APNs itself (PushKit VoIP pushes to `ios_voip` devices,
-- which FCM cannot deliver). A worker claims only what it can send.
ALTER TABLE push_queue ADD COLUMN service TEXT NOT NULL DEFAULT 'fcm'
    CHECK (service IN ('fcm', 'apns'));
