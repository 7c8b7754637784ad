import CustomerServiceKit
import SwiftUI

struct NewTicketView: View {
    @State var model: Observed<NewTicketModel, NewTicketState>

    var body: some View {
        let s = model.state
        let send = model.model.send
        NavigationStack {
            if let done = s.passOnLink {
                PassOnLinkView(done: done) { send(.openCreatedTicket) }
            } else {
                Form {
                    if let customer = s.customer { CustomerSection(field: customer, send: send) }
                    Picker("Department", selection: Binding(get: { s.departmentId ?? "" }, set: { send(.department($0)) })) {
                        ForEach(s.departments, id: \.id) { Text($0.name).tag($0.id) }
                    }
                    TextField("Subject", text: Binding(get: { s.subject }, set: { send(.subject($0)) }))
                    if let e = s.subjectError { Text(e).foregroundStyle(.red).font(.footnote) }
                    TextField("What happened?", text: Binding(get: { s.body }, set: { send(.body($0)) }), axis: .vertical)
                        .lineLimit(4...12)
                    if let e = s.bodyError { Text(e).foregroundStyle(.red).font(.footnote) }
                    if let error = s.error { Text(error).foregroundStyle(.red) }
                }
                .navigationTitle(s.customer == nil ? "New ticket" : "New ticket for a customer")
                .toolbar {
                    ToolbarItem(placement: .confirmationAction) {
                        Button(s.customer?.needsName == true ? "Invite and open" : "Open") { send(.submit) }
                            .disabled(!s.canSubmit)
                    }
                }
                .overlay { if s.loadingDepartments { ProgressView() } }
            }
        }
    }
}

/// Who the ticket is for (staff): the email, what the server said of it, and the name when they are to be invited.
private struct CustomerSection: View {
    let field: CustomerField
    let send: (NewTicketEvent) -> Void

    var body: some View {
        Section("Customer") {
            HStack {
                TextField("Customer's email", text: Binding(get: { field.email }, set: { send(.customerEmail($0)) }))
                    .textContentType(.emailAddress)
                    .keyboardType(.emailAddress)
                    .textInputAutocapitalization(.never)
                    .onSubmit { send(.findCustomer) }
                if field.lookup == .looking { ProgressView() } else { Button("Find") { send(.findCustomer) } }
            }
            switch field.lookup {
            case .found(let customer, _): Text("\(customer.name) · \(customer.email)").font(.footnote)
            case .unknown: Text("No account has this email: they will be invited to sign in.").font(.footnote)
            case .looking, .notLooked: EmptyView()
            }
            if let e = field.emailError { Text(e).foregroundStyle(.red).font(.footnote) }
            if field.needsName {
                TextField("Customer's name", text: Binding(get: { field.name }, set: { send(.customerName($0)) }))
            }
            if let e = field.nameError { Text(e).foregroundStyle(.red).font(.footnote) }
        }
    }
}

/// The ticket is open for an invited customer whose link was not emailed: the link, to pass on, and the way on.
private struct PassOnLinkView: View {
    let done: PassOnLink
    let open: () -> Void

    var body: some View {
        let name = done.invite.customer.name
        Form {
            Text("\(name) has no password yet. Pass this sign-in link on to them (by phone or message): it signs them in once, within 7 days, and their ticket is waiting.")
            if let error = done.invite.mailError { Text("The email did not go: \(error)").foregroundStyle(.red) }
            if let link = done.invite.signInLink {
                Text(link).font(.body.monospaced()).textSelection(.enabled)
                ShareLink(item: link) { Label("Share the link", systemImage: "square.and.arrow.up") }
            }
            Button("Open the ticket", action: open)
        }
        .navigationTitle("Ticket opened for \(name)")
    }
}
