import CustomerServiceCore

/// Whether the email a staff member typed belongs to a customer, as far as the server has said.
public enum CustomerLookup: Equatable, Sendable {
    case notLooked, looking
    /// A customer has this email; `invite` when this form invited them (kept until their ticket is open).
    case found(CustomerInfo, invite: CustomerInviteInfo?)
    /// No account has this email: the customer is invited by the name staff enter.
    case unknown
}

/// Who a staff member opens the ticket for: a customer found by email, or one to invite when unknown.
public struct CustomerField: Equatable, Sendable {
    public var email = ""
    public var name = ""
    public var lookup = CustomerLookup.notLooked
    public var emailError: String?
    public var nameError: String?

    /// The name field shows only when the customer has to be invited.
    public var needsName: Bool { lookup == .unknown }
    var normalisedEmail: String { email.trimmingCharacters(in: .whitespaces).lowercased() }
}

/// The ticket is open for an invited customer whose link was not emailed: staff pass it on before going to the ticket.
public struct PassOnLink: Equatable, Sendable {
    public let ticketId: String
    public let invite: CustomerInviteInfo
}

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
    /// Staff opening a ticket on a customer's behalf say who for; nil when a customer opens their own.
    public var customer: CustomerField?
    public var passOnLink: PassOnLink?

    public var canSubmit: Bool {
        !busy && passOnLink == nil && departmentId != nil && !subject.trimmingCharacters(in: .whitespaces).isEmpty
            && !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            && customer.map { !$0.email.trimmingCharacters(in: .whitespaces).isEmpty } ?? true
    }
}

public enum NewTicketEvent: Sendable {
    case department(String), subject(String), body(String), submit
    case customerEmail(String), customerName(String), findCustomer
    /// Leaves the pass-on-the-link panel for the new ticket.
    case openCreatedTicket
}

/// The server's limits on a ticket, checked here first.
public enum TicketLimits {
    public static let maxSubject = 200, maxBody = 20_000, maxName = 100
}

/// A readable reason the email cannot go to the server, or nil when it looks like an address.
public func emailProblem(_ email: String) -> String? {
    if email.isEmpty { return "Enter the customer's email" }
    let parts = email.split(separator: "@", omittingEmptySubsequences: false)
    let looksRight = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
        && !parts[1].hasSuffix(".") && !email.contains(where: \.isWhitespace)
    return looksRight ? nil : "This is not an email address"
}

/// Opens a ticket: department, subject, description. Works offline (the ticket waits in the outbox); `onCreated` gets
/// its id at once.
///
/// With `staff`, the ticket is opened on a customer's behalf: the customer is found by email, or invited by name when
/// unknown (that needs the server); when the server could not email the one-time link, the model shows it to pass on
/// before opening the ticket. Staff open tickets in their own department, admins in any.
public final class NewTicketModel: StateHolder<NewTicketState>, @unchecked Sendable {
    private let core: CustomerServiceClient
    private let staff: UserInfo?
    private let onCreated: @Sendable (String) -> Void

    public init(core: CustomerServiceClient, staff: UserInfo? = nil, onCreated: @escaping @Sendable (String) -> Void) {
        self.core = core
        self.staff = staff
        self.onCreated = onCreated
        var initial = NewTicketState()
        if staff != nil { initial.customer = CustomerField() }
        super.init(initial)
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

    private func show(_ all: [DepartmentInfo], loading: Bool) {
        let departments = staff.map { me in me.role == .admin ? all : all.filter { $0.id == me.departmentId } } ?? all
        update {
            $0.departments = departments
            $0.loadingDepartments = loading && departments.isEmpty
            if $0.departmentId == nil, departments.count == 1 { $0.departmentId = departments[0].id }
        }
    }

    public func send(_ event: NewTicketEvent) {
        switch event {
        case .department(let id): update { $0.departmentId = id; $0.error = nil }
        case .subject(let text): update { $0.subject = text; $0.subjectError = nil }
        case .body(let text): update { $0.body = text; $0.bodyError = nil }
        case .customerEmail(let text):
            // A different email needs looking up again.
            editCustomer { $0.email = text; $0.lookup = .notLooked; $0.emailError = nil; $0.nameError = nil }
        case .customerName(let text): editCustomer { $0.name = text; $0.nameError = nil }
        case .findCustomer: launch { [weak self] in _ = await self?.findCustomer() }
        case .submit: submit()
        case .openCreatedTicket:
            guard let done = state.passOnLink else { return }
            update { $0.passOnLink = nil; $0.customer = CustomerField(); $0.subject = ""; $0.body = "" }
            onCreated(done.ticketId)
        }
    }

    private func editCustomer(_ change: (inout CustomerField) -> Void) {
        update {
            guard var field = $0.customer else { return }
            change(&field)
            $0.customer = field
            $0.error = nil
        }
    }

    /// Looks the email up; true when the form may go on (a customer found, or unknown and to be invited).
    private func findCustomer() async -> Bool {
        guard let field = state.customer else { return true }
        let email = field.normalisedEmail
        if let problem = emailProblem(email) {
            editCustomer { $0.emailError = problem }
            return false
        }
        switch field.lookup {
        case .found, .unknown: return true
        case .looking: return false
        case .notLooked: break
        }
        editCustomer { $0.lookup = .looking }
        let lookup: CustomerLookup
        do {
            lookup = .found(try await core.findCustomer(email: email), invite: nil)
        } catch CoreError.NotFound {
            lookup = .unknown
        } catch {
            editCustomer { $0.lookup = .notLooked; $0.emailError = "Couldn't look the email up: \(userMessage(error))" }
            return false
        }
        // The email may have changed while the server answered: keep the answer only for the email it was asked about.
        editCustomer { if $0.normalisedEmail == email { $0.lookup = lookup } }
        return true
    }

    private func submit() {
        let s = state
        guard s.canSubmit, let departmentId = s.departmentId else { return }
        let subject = s.subject.trimmingCharacters(in: .whitespaces)
        let body = s.body.trimmingCharacters(in: .whitespacesAndNewlines)
        let name = s.customer?.name.trimmingCharacters(in: .whitespaces) ?? ""
        let nameError: String? =
            s.customer?.needsName == true
            ? (name.isEmpty ? "Enter the customer's name to invite them"
                : name.count > TicketLimits.maxName ? "Use at most \(TicketLimits.maxName) characters" : nil)
            : nil
        if subject.count > TicketLimits.maxSubject || body.count > TicketLimits.maxBody || nameError != nil {
            update {
                $0.subjectError = subject.count > TicketLimits.maxSubject ? "Use at most \(TicketLimits.maxSubject) characters" : nil
                $0.bodyError = body.count > TicketLimits.maxBody ? "Use at most \(TicketLimits.maxBody) characters" : nil
                $0.customer?.nameError = nameError
            }
            return
        }
        update { $0.busy = true; $0.error = nil }
        launch { [weak self, core, onCreated] in
            guard let self else { return }
            if let field = s.customer {
                // An email not looked up yet is looked up first; an unknown one stops here for the name to invite.
                let ready = await self.findCustomer()
                if !ready || (field.lookup == .notLooked && self.state.customer?.lookup == .unknown) {
                    self.update {
                        $0.busy = false
                        if $0.customer?.needsName == true {
                            $0.customer?.nameError = "No customer has this email: enter their name to invite them"
                        }
                    }
                    return
                }
            }
            do {
                let (ticket, invite) = try await self.open(departmentId: departmentId, subject: subject, body: body, name: name)
                if let invite, !invite.emailed {
                    self.update { $0.busy = false; $0.passOnLink = PassOnLink(ticketId: ticket.id, invite: invite) }
                } else {
                    self.update {
                        $0.busy = false
                        $0.subject = ""
                        $0.body = ""
                        if $0.customer != nil { $0.customer = CustomerField() }
                    }
                    onCreated(ticket.id)
                }
            } catch {
                self.update { $0.busy = false; $0.error = userMessage(error) }
            }
        }
    }

    /// Opens the ticket: the customer's own, or for the customer found (or invited now) on the form.
    private func open(departmentId: String, subject: String, body: String, name: String) async throws
        -> (TicketItem, CustomerInviteInfo?)
    {
        guard let field = state.customer else {
            return (try await core.createTicket(departmentId: departmentId, subject: subject, body: body), nil)
        }
        let customer: CustomerInfo, invite: CustomerInviteInfo?
        if case .found(let known, let invited) = field.lookup {
            (customer, invite) = (known, invited)
        } else {
            let invited = try await core.inviteCustomer(email: field.normalisedEmail, name: name)
            // Invited: the form now knows the customer, so trying again after a failure does not invite twice.
            editCustomer { $0.lookup = .found(invited.customer, invite: invited) }
            (customer, invite) = (invited.customer, invited)
        }
        let ticket = try await core.createTicketFor(
            customerId: customer.id, departmentId: departmentId, subject: subject, body: body)
        return (ticket, invite)
    }
}
