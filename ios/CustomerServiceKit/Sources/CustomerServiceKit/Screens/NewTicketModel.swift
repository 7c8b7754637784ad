import CustomerServiceCore

public struct NewTicketState: Equatable, Sendable {
    public var departments: [DepartmentInfo] = []
    public var loadingDepartments = true
    public var departmentId: String?
    public var subject = ""
    public var body = ""
    public var busy = false
    public var error: String?
    public var subjectError: String?
    public var bodyError: String?

    public var canSubmit: Bool {
        !busy && departmentId != nil && !subject.trimmingCharacters(in: .whitespaces).isEmpty
            && !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
}

public enum NewTicketEvent: Sendable {
    case department(String), subject(String), body(String), submit
}

/// The server's limits on a ticket, checked here first.
public enum TicketLimits {
    public static let maxSubject = 200, maxBody = 20_000
}

/// Opens a ticket: department, subject, description. Works offline (the ticket waits in the outbox); `onCreated` gets
/// its id at once.
public final class NewTicketModel: StateHolder<NewTicketState>, @unchecked Sendable {
    private let core: CustomerServiceClient
    private let onCreated: @Sendable (String) -> Void

    public init(core: CustomerServiceClient, onCreated: @escaping @Sendable (String) -> Void) {
        self.core = core
        self.onCreated = onCreated
        super.init(NewTicketState())
        launch { [weak self, core] in
            let cached = (try? await core.departments()) ?? []
            self?.show(cached, loading: cached.isEmpty)
            do {
                self?.show(try await core.refreshDepartments(), loading: false)
            } catch {
                self?.update {
                    $0.loadingDepartments = false
                    if $0.departments.isEmpty { $0.error = userMessage(error) }
                }
            }
        }
    }

    private func show(_ departments: [DepartmentInfo], loading: Bool) {
        update {
            $0.departments = departments
            $0.loadingDepartments = loading
            if $0.departmentId == nil, departments.count == 1 { $0.departmentId = departments[0].id }
        }
    }

    public func send(_ event: NewTicketEvent) {
        switch event {
        case .department(let id): update { $0.departmentId = id; $0.error = nil }
        case .subject(let text): update { $0.subject = text; $0.subjectError = nil }
        case .body(let text): update { $0.body = text; $0.bodyError = nil }
        case .submit: submit()
        }
    }

    private func submit() {
        let s = state
        guard s.canSubmit, let departmentId = s.departmentId else { return }
        let subject = s.subject.trimmingCharacters(in: .whitespaces)
        let body = s.body.trimmingCharacters(in: .whitespacesAndNewlines)
        if subject.count > TicketLimits.maxSubject || body.count > TicketLimits.maxBody {
            update {
                $0.subjectError = subject.count > TicketLimits.maxSubject ? "Use at most \(TicketLimits.maxSubject) characters" : nil
                $0.bodyError = body.count > TicketLimits.maxBody ? "Use at most \(TicketLimits.maxBody) characters" : nil
            }
            return
        }
        update { $0.busy = true; $0.error = nil }
        launch { [weak self, core, onCreated] in
            do {
                let ticket = try await core.createTicket(departmentId: departmentId, subject: subject, body: body)
                self?.update { $0.busy = false }
                onCreated(ticket.id)
            } catch {
                self?.update { $0.busy = false; $0.error = userMessage(error) }
            }
        }
    }
}
